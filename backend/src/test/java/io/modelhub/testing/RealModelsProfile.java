package io.modelhub.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * The hub with room for a real pretrained model: all-MiniLM-L6-v2's model.safetensors is 90 MB, over the 64 MiB
 * per-file limit the other tests keep (CommitServiceTest checks it). Starts its own database and store.
 */
public class RealModelsProfile implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(HubServicesResource.class,
                Map.of("modelhub.upload.max-file-bytes", String.valueOf(512L * 1024 * 1024))));
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }
}
