package io.modelhub.runners;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The runners' meters, from their last heartbeat as {@link RunnerService#all()} shows it: modelhub_runners{state},
 * and per runner that is not offline modelhub_runner_cpu_load{runner} (0-1), modelhub_runner_memory_used_bytes{runner},
 * modelhub_runner_gpu_utilisation{runner,gpu} (0-1) and modelhub_runner_gpu_memory_used_bytes{runner,gpu}. Read
 * every 10 s into a snapshot; an offline runner's series go away with it, so the series stay as many as live runners.
 */
@ApplicationScoped
@Startup
public class RunnerMetrics {
    static final List<String> STATES = List.of("active", "draining", "offline");

    @Inject
    MeterRegistry registry;
    @Inject
    RunnerService runners;

    private MultiGauge byState, cpu, memory, gpuUse, gpuMemory;

    @PostConstruct
    void init() {
        byState = MultiGauge.builder("modelhub.runners").description("Runners in each state").register(registry);
        cpu = MultiGauge.builder("modelhub.runner.cpu.load").description("CPU load a runner reports (0-1)").register(registry);
        memory = MultiGauge.builder("modelhub.runner.memory.used").baseUnit("bytes").register(registry);
        gpuUse = MultiGauge.builder("modelhub.runner.gpu.utilisation").description("GPU use a runner reports (0-1)").register(registry);
        gpuMemory = MultiGauge.builder("modelhub.runner.gpu.memory.used").baseUnit("bytes").register(registry);
    }

    @Scheduled(every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void refresh() {
        List<RunnerService.RunnerView> all = runners.all();
        List<MultiGauge.Row<?>> states = new ArrayList<>(), cpus = new ArrayList<>(), mems = new ArrayList<>(),
                gpus = new ArrayList<>(), gpuMems = new ArrayList<>();
        for (String s : STATES) {
            states.add(MultiGauge.Row.of(Tags.of("state", s), all.stream().filter(r -> s.equals(r.state())).count()));
        }
        for (RunnerService.RunnerView r : all) {
            if ("offline".equals(r.state())) {
                continue;
            }
            Map<String, Object> u = r.utilisation();
            Tags runner = Tags.of("runner", r.name());
            number(u.get("cpu")).ifPresent(v -> cpus.add(MultiGauge.Row.of(runner, v)));
            number(u.get("memoryUsedBytes")).ifPresent(v -> mems.add(MultiGauge.Row.of(runner, v)));
            if (u.get("gpus") instanceof List<?> list) {
                for (Object g : list) {
                    if (g instanceof Map<?, ?> gpu && gpu.get("index") != null) {
                        Tags tags = runner.and("gpu", String.valueOf(gpu.get("index")));
                        number(gpu.get("utilisation")).ifPresent(v -> gpus.add(MultiGauge.Row.of(tags, v)));
                        number(gpu.get("memoryUsedMb")).ifPresent(v -> gpuMems.add(MultiGauge.Row.of(tags, v * 1024 * 1024)));
                    }
                }
            }
        }
        byState.register(states, true);
        cpu.register(cpus, true);
        memory.register(mems, true);
        gpuUse.register(gpus, true);
        gpuMemory.register(gpuMems, true);
    }

    private static java.util.Optional<Double> number(Object o) {
        return o instanceof Number n ? java.util.Optional.of(n.doubleValue()) : java.util.Optional.empty();
    }
}
