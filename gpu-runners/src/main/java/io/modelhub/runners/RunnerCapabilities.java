package io.modelhub.runners;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * What a runner node offers the queue: CPU cores, memory and labels (GPUs join when the runner agent loads
 * the DJL engine). Printed by {@code java -jar gpu-runners.jar} so an operator can check a node.
 */
public record RunnerCapabilities(int cpuCores, long memoryBytes, List<String> labels) {

    public static RunnerCapabilities probe(List<String> labels) {
        long memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : Runtime.getRuntime().maxMemory();
        return new RunnerCapabilities(Runtime.getRuntime().availableProcessors(), memory, List.copyOf(labels));
    }

    public static void main(String[] args) {
        System.out.println(probe(List.of(args)));
    }
}
