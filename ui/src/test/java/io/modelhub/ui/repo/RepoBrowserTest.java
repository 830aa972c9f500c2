package io.modelhub.ui.repo;

import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.ui.testing.Browser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user's first session, in a real browser: sign in, create a repo, upload, find it, download it. */
@QuarkusTest
class RepoBrowserTest {
    @TestHTTPResource("/")
    URL base;
    Browser browser;

    @BeforeEach
    void start() throws Exception {
        browser = new Browser(base);
    }

    @AfterEach
    void stop() {
        browser.close();
    }

    @Test
    void signInCreateUploadFindAndDownload() throws Exception {
        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);

        browser.open("/new");
        browser.type("repo-name", "browser-made-model");
        browser.click(By.id("create-repo"));
        browser.waitUntil(d -> d.getCurrentUrl().endsWith("/admin/browser-made-model"));
        assertEquals("admin/browser-made-model", browser.waitFor(By.id("repo-title")).getText());

        Path readme = Files.createTempDirectory("upload").resolve("README.md");
        Files.writeString(readme, "---\nlicense: apache-2.0\npipeline_tag: text-classification\n---\n"
                + "# Browser model\n\nUploaded through the zebra-striped browser test.\n");
        browser.click(By.xpath("//vaadin-tab[contains(., 'Upload')]"));
        WebElement upload = browser.waitFor(By.id("file-upload"));
        upload.getShadowRoot().findElement(By.cssSelector("input[type=file]")).sendKeys(readme.toString());
        browser.waitUntil(d -> d.findElement(By.id("commit-upload")).getText().equals("Commit 1 file")
                && d.findElement(By.id("commit-upload")).isEnabled());
        browser.click(By.id("commit-upload"));

        // The page re-renders with the new commit: card, metadata and files.
        browser.waitUntil(d -> d.findElement(By.id("model-card")).getText().contains("zebra-striped browser test"));
        assertTrue(browser.waitFor(By.id("metadata-panel")).getText().contains("apache-2.0"));
        browser.click(By.xpath("//vaadin-tab[contains(., 'Files (2)')]"));
        browser.waitUntil(d -> d.findElement(By.id("files-grid")).getText().contains("README.md"));

        // The download link streams the file from the store.
        String href = browser.waitFor(By.cssSelector("#files-grid a.download-link[data-path='README.md']")).getAttribute("href");
        Object downloaded = browser.asyncScript("fetch(arguments[0]).then(r => r.text()).then(arguments[1])", href);
        assertTrue(String.valueOf(downloaded).contains("zebra-striped browser test"), String.valueOf(downloaded));

        // And the catalog's search finds it, by a word of its card.
        browser.open("/");
        browser.type("catalog-search", "zebra-striped");
        browser.waitUntil(d -> d.findElements(By.cssSelector("#catalog-grid a.repo-link")).stream()
                .anyMatch(a -> a.getText().equals("admin/browser-made-model")));
    }

    @Test
    void privateRepoIsInvisibleToOthersInTheUi() {
        HubApi.model("ui-private-model").privateRepo().file("README.md", "# Hidden treasure").create();
        HubApi.model("ui-public-control").file("README.md", "# Visible treasure").create();
        browser.open("/admin/ui-private-model");
        browser.waitUntil(d -> d.getPageSource().contains("Repository admin/ui-private-model not found"));
        browser.open("/");
        browser.type("catalog-search", "treasure");
        browser.waitUntil(d -> repoLinks().contains("admin/ui-public-control"));
        assertFalse(repoLinks().contains("admin/ui-private-model"));

        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
        browser.open("/admin/ui-private-model");
        browser.waitUntil(d -> d.findElement(By.id("model-card")).getText().contains("Hidden treasure"));
    }

    @Test
    void datasetPageShowsSchemaThumbnailsAndRows() {
        HubApi.dataset("ui-shapes").file("train/disc/1.png", new byte[]{1}).file("train/ring/2.png", new byte[]{2}).create();
        browser.open("/datasets/admin/ui-shapes");
        browser.waitUntil(d -> d.findElement(By.id("dataset-schema")).getText().contains("imagefolder"));
        assertEquals(2, browser.driver().findElements(By.cssSelector("#dataset-preview img")).size());
        HubApi.dataset("ui-reviews").file("train.csv", "text,label\nLovely film,pos\nDull,neg\n").create();
        browser.open("/datasets/admin/ui-reviews");
        browser.waitUntil(d -> d.findElement(By.id("dataset-rows")).getText().contains("Lovely film"));
    }

    private java.util.List<String> repoLinks() {
        return browser.driver().findElements(By.cssSelector("#catalog-grid a.repo-link")).stream().map(WebElement::getText).toList();
    }

    @Test
    void badRepoNameShowsAMessage() {
        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
        browser.open("/new");
        browser.type("repo-name", "bad name with spaces");
        browser.click(By.id("create-repo"));
        browser.waitUntil(d -> d.findElement(By.id("repo-name")).getAttribute("invalid") != null);
        assertTrue(browser.driver().findElement(By.id("repo-name")).getText().contains("Invalid repository name"));
    }
}
