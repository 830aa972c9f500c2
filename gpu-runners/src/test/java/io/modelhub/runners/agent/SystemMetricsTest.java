package io.modelhub.runners.agent;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SystemMetricsTest {

    @Test
    void readsNvidiaSmiCsvAndSkipsWhatIsNotAGpu() {
        List<Map<String, Object>> gpus = SystemMetrics.parse(List.of(
                "0, NVIDIA H100 80GB HBM3, 87, 40321, 81559",
                "1, NVIDIA H100 80GB HBM3, [N/A], 0, 81559",
                "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver"));
        assertEquals(1, gpus.size());
        assertEquals(0, gpus.get(0).get("index"));
        assertEquals(0.87, (Double) gpus.get(0).get("utilisation"), 1e-9);
        assertEquals(40321L, gpus.get(0).get("memoryUsedMb"));
        assertEquals(81559L, gpus.get(0).get("memoryTotalMb"));
    }

    @Test
    void samplesThisMachine() {
        Map<String, Object> m = SystemMetrics.sample();
        double cpu = ((Number) m.get("cpu")).doubleValue();
        assertTrue(cpu >= 0 && cpu <= 1, "cpu load " + cpu);
        long used = ((Number) m.get("memoryUsedBytes")).longValue();
        long total = ((Number) m.get("memoryTotalBytes")).longValue();
        assertTrue(used > 0 && used <= total, used + " of " + total);
    }
}
