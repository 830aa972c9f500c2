package io.modelhub.accounts;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing down: after {@link #FREE_FAILURES} failed sign-ins for an account, or from an address,
 * further tries are refused for a delay that doubles with each failure (30 s up to 15 min). Failures older than
 * {@link #WINDOW} are forgotten; a successful sign-in clears its account. Kept per hub instance: with several
 * instances a guesser gets a few more tries, not an unlimited number.
 */
@ApplicationScoped
public class SignInThrottle {
    static final int FREE_FAILURES = 5;
    static final Duration WINDOW = Duration.ofMinutes(15);
    private static final Duration FIRST_DELAY = Duration.ofSeconds(30);
    private static final Duration MAX_DELAY = Duration.ofMinutes(15);

    private final Map<String, Failures> failures = new ConcurrentHashMap<>();
    private Clock clock = Clock.systemUTC();

    private record Failures(int count, Instant last) {
    }

    /** Seconds until a sign-in for this account from this address may be tried; 0 when it may be tried now. */
    public long waitSeconds(String username, String address) {
        return Math.max(wait(accountKey(username)), wait(addressKey(address)));
    }

    public void failed(String username, String address) {
        for (String key : new String[] {accountKey(username), addressKey(address)}) {
            failures.merge(key, new Failures(1, clock.instant()), (old, now) ->
                    new Failures(expired(old) ? 1 : old.count() + 1, now.last()));
        }
    }

    public void succeeded(String username) {
        failures.remove(accountKey(username));
    }

    void clock(Clock clock) {
        this.clock = clock;
    }

    private long wait(String key) {
        Failures f = failures.get(key);
        if (f == null || expired(f) || f.count() < FREE_FAILURES) {
            return 0;
        }
        Duration delay = FIRST_DELAY.multipliedBy(1L << Math.min(20, f.count() - FREE_FAILURES));
        Instant until = f.last().plus(delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay);
        return Math.max(0, Duration.between(clock.instant(), until).toSeconds() + 1);
    }

    private boolean expired(Failures f) {
        return f.last().plus(WINDOW).isBefore(clock.instant());
    }

    private static String accountKey(String username) {
        return "account:" + (username == null ? "" : username.trim().toLowerCase(java.util.Locale.ROOT));
    }

    private static String addressKey(String address) {
        return "address:" + (address == null ? "" : address);
    }
}
