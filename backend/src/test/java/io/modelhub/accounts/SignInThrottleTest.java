package io.modelhub.accounts;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Password guessing slows down per account and per address; honest users are not locked out for long. */
class SignInThrottleTest {
    private Instant now = Instant.parse("2026-12-07T12:00:00Z");

    private SignInThrottle throttle() {
        SignInThrottle t = new SignInThrottle();
        t.clock(new Clock() {
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            public Instant instant() {
                return now;
            }
        });
        return t;
    }

    @Test
    void fiveFreeFailuresThenDoublingDelays() {
        SignInThrottle t = throttle();
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            assertEquals(0, t.waitSeconds("Alice", "10.0.0.1"));
            t.failed("alice", "10.0.0.1");
        }
        long first = t.waitSeconds("alice", "10.0.0.2");
        assertTrue(first > 25 && first <= 31, "the account is paused from any address: " + first);
        assertTrue(t.waitSeconds("bob", "10.0.0.1") > 0, "and the address for any account");
        assertEquals(0, t.waitSeconds("bob", "10.0.0.3"));
        now = now.plusSeconds(31);
        assertEquals(0, t.waitSeconds("alice", "10.0.0.2"));
        t.failed("alice", "10.0.0.2");
        long second = t.waitSeconds("alice", "10.0.0.2");
        assertTrue(second > 55 && second <= 61, "the delay doubles: " + second);
        now = now.plus(SignInThrottle.WINDOW).plus(Duration.ofMinutes(16));
        assertEquals(0, t.waitSeconds("alice", "10.0.0.2"), "old failures are forgotten");
    }

    @Test
    void aSuccessfulSignInClearsTheAccount() {
        SignInThrottle t = throttle();
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            t.failed("carol", "10.0.0.9");
        }
        t.succeeded("carol");
        assertEquals(0, t.waitSeconds("carol", "10.0.0.8"));
    }
}
