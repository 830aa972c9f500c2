package io.modelhub.testing;

import io.quarkus.test.common.QuarkusTestResource;

/** Annotating one class makes the resource apply to every @QuarkusTest of this module, started once. */
@QuarkusTestResource(HubServicesResource.class)
public final class HubTest {
    private HubTest() {
    }
}
