package io.modelhub.runners;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * What a runner node offers the queue: GPUs as CUDA sees them (count, and the smallest card's memory, since a
 * job must fit on every card it gets), CPU cores, memory and the operator's labels.
 */
public record RunnerCapabilities(int gpuCount, long gpuMemoryMb, int cpuCores, long memoryBytes, List<String> labels) {

    public static RunnerCapabilities probe(List<String> labels) {
        long memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : Runtime.getRuntime().maxMemory();
        int gpus = 0;
        long gpuMemoryMb = 0;
        try {
            gpus = CudaUtils.getGpuCount();
            for (int i = 0; i < gpus; i++) {
                long mb = CudaUtils.getGpuMemory(Device.gpu(i)).getMax() / (1024 * 1024);
                gpuMemoryMb = i == 0 ? mb : Math.min(gpuMemoryMb, mb);
            }
        } catch (RuntimeException | LinkageError noCuda) {
            // No usable CUDA runtime on this node: a CPU runner.
            gpus = 0;
            gpuMemoryMb = 0;
        }
        return new RunnerCapabilities(gpus, gpuMemoryMb, Runtime.getRuntime().availableProcessors(), memory, List.copyOf(labels));
    }

    public static void main(String[] args) {
        System.out.println(probe(List.of(args)));
    }
}
