package io.modelhub.runners.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the runner reports with each heartbeat: CPU load (0-1), memory used and total, and per GPU its
 * utilisation and memory as nvidia-smi tells them (no "gpus" entry on a node without nvidia-smi).
 */
final class SystemMetrics {
    private static volatile boolean nvidiaSmiMissing;

    private SystemMetrics() {
    }

    static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            double load = os.getCpuLoad();
            m.put("cpu", load < 0 ? 0.0 : load);
            m.put("memoryUsedBytes", os.getTotalMemorySize() - os.getFreeMemorySize());
            m.put("memoryTotalBytes", os.getTotalMemorySize());
        }
        List<Map<String, Object>> gpus = gpus();
        if (!gpus.isEmpty()) {
            m.put("gpus", gpus);
        }
        return m;
    }

    private static List<Map<String, Object>> gpus() {
        if (nvidiaSmiMissing) {
            return List.of();
        }
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=index,name,utilization.gpu,memory.used,memory.total",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            }
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return List.of();
            }
            return parse(lines);
        } catch (IOException noSmi) {
            // not installed: a CPU node; do not try again on every heartbeat
            nvidiaSmiMissing = true;
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Lines of {@code index, name, utilization.gpu [%], memory.used [MiB], memory.total [MiB]}. */
    static List<Map<String, Object>> parse(List<String> csv) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : csv) {
            String[] f = line.split(",");
            if (f.length < 5) {
                continue;
            }
            try {
                Map<String, Object> gpu = new LinkedHashMap<>();
                gpu.put("index", Integer.parseInt(f[0].trim()));
                gpu.put("name", f[1].trim());
                gpu.put("utilisation", Double.parseDouble(f[2].trim()) / 100.0);
                gpu.put("memoryUsedMb", Long.parseLong(f[3].trim()));
                gpu.put("memoryTotalMb", Long.parseLong(f[4].trim()));
                out.add(gpu);
            } catch (NumberFormatException notAGpuLine) {
                // "[N/A]" fields or an error message: skip the line
            }
        }
        return out;
    }
}
