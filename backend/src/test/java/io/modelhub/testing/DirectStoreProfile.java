package io.modelhub.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * The hub as deployed next to a store its clients can reach: LFS uploads go straight to presigned store URLs
 * and LFS downloads are redirected to them. Starts its own database and store.
 */
public class DirectStoreProfile implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(HubServicesResource.class, Map.of(HubServicesResource.DIRECT_STORE, "true")));
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }
}
