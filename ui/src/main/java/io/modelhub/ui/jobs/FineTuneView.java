package io.modelhub.ui.jobs;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.HasValidation;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.dialog.Dialog;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Pre;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.IntegerField;
import com.vaadin.flow.component.textfield.NumberField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.HasDynamicTitle;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteAlias;
import io.modelhub.accounts.Viewer;
import io.modelhub.jobs.JobParams;
import io.modelhub.jobs.JobService;
import io.modelhub.jobs.JobSpec;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.JsonText;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.contract.ParamSpec;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The launch form of a training job. From a model's page ({@code fine-tune/owner/name}) it fine-tunes that model:
 * only the recipes for the model's modality, only datasets whose schema fits the chosen recipe. From a dataset's page
 * ({@code train/owner/name}) the same form trains a model without a base model (from scratch): only the recipes that
 * need none and fit that dataset, which is preselected. Either way each hyperparameter has its default, range and
 * help, and resources. Values are checked with the API's own rules (JobParams) on their fields before a summary is
 * shown; only the summary's button submits.
 */
@Route(value = "fine-tune/:namespace/:name", layout = MainLayout.class)
@RouteAlias(value = "train/:namespace/:name", layout = MainLayout.class)
public class FineTuneView extends VerticalLayout implements BeforeEnterObserver, HasDynamicTitle {
    private final RepoService repos;
    private final JobService jobs;
    private final JsonText json;

    /** The model to fine-tune; null when the form trains from scratch on {@link #source}. */
    private Repo model;
    /** The dataset whose page opened the form (train/...); null for a fine-tune. */
    private Repo source;
    private final Select<RecipeDescriptor> recipe = new Select<>();
    private final ComboBox<Repo> dataset = new ComboBox<>("Dataset");
    private final FormLayout paramsForm = new FormLayout();
    private final Map<String, ParamField> params = new LinkedHashMap<>();
    private final IntegerField gpus = new IntegerField("GPUs");
    private final IntegerField gpuMemory = new IntegerField("GPU memory (MB per GPU)");
    private final IntegerField priority = new IntegerField("Priority");
    private final IntegerField maxAttempts = new IntegerField("Attempts");
    private final TextField labels = new TextField("Runner labels");
    private final TextField output = new TextField("Output model");
    private final Checkbox privateOutput = new Checkbox("Private output model");
    private String title = "Fine-tune · ModelHub";

    /** A parameter's field and how to read its value. */
    private record ParamField(ParamSpec param, Component field, Supplier<Object> value) {
    }

    @Inject
    public FineTuneView(RepoService repos, JobService jobs, JsonText json) {
        this.repos = repos;
        this.jobs = jobs;
        this.json = json;
        setMaxWidth("60em");
    }

    @Override
    public String getPageTitle() {
        return title;
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        String ns = event.getRouteParameters().get("namespace").orElse("");
        String name = event.getRouteParameters().get("name").orElse("");
        boolean fromScratch = "train".equals(event.getLocation().getFirstSegment());
        Viewer viewer = UiSession.viewer();
        if (viewer.anonymous()) {
            event.forwardTo("login", QueryParameters.of("next", (fromScratch ? "train/" : "fine-tune/") + ns + "/" + name));
            return;
        }
        removeAll();
        model = null;
        source = null;
        try {
            if (fromScratch) {
                source = repos.visible(viewer, new RepoName(RepoType.DATASET, ns, name));
            } else {
                model = repos.visible(viewer, new RepoName(RepoType.MODEL, ns, name));
            }
        } catch (ApiException e) {
            add(new H2("Not found"), new Paragraph(e.getMessage()));
            title = "Not found · ModelHub";
            return;
        }
        title = (fromScratch ? "Train a model on " + source.fullId() : "Fine-tune " + model.fullId()) + " · ModelHub";
        build(viewer);
    }

    private void build(Viewer viewer) {
        if (source != null) {
            H2 heading = new H2("Train a model on " + source.fullId());
            heading.setId("train-title");
            add(heading);
        } else {
            H2 heading = new H2("Fine-tune " + model.fullId());
            heading.setId("fine-tune-title");
            add(heading);
        }
        List<RecipeDescriptor> recipes = source != null ? jobs.scratchRecipesFor(source) : jobs.recipesFor(model);
        if (recipes.isEmpty() && source != null) {
            Paragraph none = new Paragraph("No recipe the runners offer trains a model from scratch on " + source.fullId()
                    + " (" + (source.datasetSchema == null ? "no detected layout" : source.datasetSchema.modality() + " data"
                    + (source.datasetSchema.labels() == null ? "" : ", " + source.datasetSchema.labels().size() + " labels"))
                    + "). If no runner is online yet, start one (see docs/runners.md) and come back.");
            none.setId("no-recipes");
            add(none);
            return;
        }
        if (recipes.isEmpty()) {
            // the reason, not just an empty form: recipes say which config.json model types they can load
            Paragraph none = new Paragraph("No recipe the runners offer can train " + model.fullId() + ": its config.json model_type is "
                    + (model.modelType == null ? "missing" : "'" + model.modelType + "'") + ". Recipes take: "
                    + jobs.trainableModelTypes() + ". If no runner is online yet, start one (see docs/runners.md) and come back.");
            none.setId("no-recipes");
            add(none);
            return;
        }
        recipe.setLabel("Recipe");
        recipe.setId("recipe");
        recipe.setItems(recipes);
        recipe.setItemLabelGenerator(r -> r.id() + " (" + r.task() + ", v" + r.version() + ")");
        dataset.setId("dataset");
        dataset.setItemLabelGenerator(Repo::fullId);
        dataset.setWidthFull();
        paramsForm.setId("params-form");

        gpus.setId("gpus");
        gpus.setValue(0);
        gpus.setHelperText("0 to 64; 0 runs on any runner, CPU included");
        gpuMemory.setId("gpu-memory");
        gpuMemory.setValue(0);
        gpuMemory.setHelperText("0 or more; only runners with at least this much per GPU");
        priority.setId("priority");
        priority.setValue(0);
        priority.setHelperText("Higher runs first; -" + JobService.MAX_USER_PRIORITY + " to " + JobService.MAX_USER_PRIORITY
                + (viewer.admin() ? " for users, any for admins" : ""));
        maxAttempts.setId("max-attempts");
        maxAttempts.setValue(3);
        maxAttempts.setHelperText("1 to 20; a runner lost mid-run requeues the job from its latest checkpoint");
        labels.setId("runner-labels");
        labels.setHelperText("Comma-separated; only runners with all of them");
        output.setId("output-repo");
        output.setWidthFull();
        privateOutput.setId("private-output");
        // the hub makes it private anyway when any input is private; the box is for public inputs
        privateOutput.setValue((source != null ? source : model).privateRepo);
        privateOutput.setTooltipText("Private when checked, and always when the base model, the dataset or a tower is private");
        FormLayout resources = new FormLayout(gpus, gpuMemory, priority, maxAttempts, labels);

        recipe.addValueChangeListener(e -> onRecipe(viewer, e.getValue()));
        recipe.setValue(recipes.get(0));

        Button review = new Button("Review", e -> review(viewer));
        review.setId("review-job");
        review.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        add(recipe, dataset, new H3("Hyperparameters"), paramsForm, new H3("Resources"), resources, output, privateOutput, review);
    }

    private void onRecipe(Viewer viewer, RecipeDescriptor r) {
        if (r == null) {
            return;
        }
        List<Repo> fitting = jobs.compatibleDatasets(viewer, r);
        dataset.setItems(fitting);
        // from a dataset's page that dataset (it fits: its recipes were chosen by the same rules), else the first
        Repo preset = source == null ? null : fitting.stream().filter(d -> d.id.equals(source.id)).findFirst().orElse(null);
        dataset.setValue(preset != null ? preset : fitting.isEmpty() ? null : fitting.get(0));
        dataset.setHelperText(fitting.isEmpty() ? "No dataset you can read fits this recipe (" + r.modality() + " data"
                + (r.needsLabels() ? " with at least two labels" : "") + ")"
                : r.modality() + " datasets" + (r.needsLabels() ? " with at least two labels" : ""));
        String shortId = r.id().replace("image-", "").replace("text-", "").replace("audio-", "");
        output.setValue(source != null ? freeModelName(viewer.username() + "/" + source.name + "-" + shortId)
                : viewer.username() + "/" + model.name + "-" + shortId);
        paramsForm.removeAll();
        params.clear();
        boolean pagesModelPlaced = false;
        for (ParamSpec p : r.parameters()) {
            ParamField f;
            if (p.isModel()) {
                // a two-tower recipe: this page's model goes in the first tower that accepts it
                boolean here = model != null && !pagesModelPlaced && (p.choices() == null || p.choices().contains(model.modality));
                pagesModelPlaced |= here;
                f = modelField(p, jobs.modelsFor(viewer, p), here ? model.fullId() : null);
            } else {
                f = field(p);
            }
            params.put(p.name(), f);
            paramsForm.add(f.field());
        }
    }

    private static ParamField field(ParamSpec p) {
        String help = (p.help() == null ? "" : p.help()) + range(p) + (p.defaultValue() == null ? "" : "; default " + p.defaultValue());
        Component field;
        Supplier<Object> value;
        switch (p.type()) {
            case "int" -> {
                IntegerField f = new IntegerField(p.name());
                if (p.defaultValue() instanceof Number n) {
                    f.setValue(n.intValue());
                }
                f.setHelperText(help);
                field = f;
                value = f::getValue;
            }
            case "float" -> {
                NumberField f = new NumberField(p.name());
                if (p.defaultValue() instanceof Number n) {
                    f.setValue(n.doubleValue());
                }
                f.setHelperText(help);
                field = f;
                value = f::getValue;
            }
            case "bool" -> {
                Checkbox f = new Checkbox(p.name());
                f.setValue(Boolean.TRUE.equals(p.defaultValue()));
                f.setHelperText(help);
                field = f;
                value = f::getValue;
            }
            default -> {
                if (p.choices() != null && !p.choices().isEmpty()) {
                    Select<String> f = new Select<>();
                    f.setLabel(p.name());
                    f.setItems(p.choices());
                    f.setValue(p.defaultValue() == null ? null : p.defaultValue().toString());
                    f.setHelperText(help);
                    field = f;
                    value = f::getValue;
                } else {
                    TextField f = new TextField(p.name());
                    f.setValue(p.defaultValue() == null ? "" : p.defaultValue().toString());
                    f.setHelperText(help);
                    f.setWidthFull();
                    field = f;
                    // empty is a value where it is the default (e.g. hidden_sizes "": no dense layers), else absent
                    boolean emptyIsDefault = "".equals(p.defaultValue());
                    value = () -> f.getValue().isEmpty() && !emptyIsDefault ? null : f.getValue();
                }
            }
        }
        field.setId("param-" + p.name());
        return new ParamField(p, field, value);
    }

    /** A model parameter: the readable models of an accepted modality. */
    private static ParamField modelField(ParamSpec p, List<Repo> fitting, String preset) {
        ComboBox<String> f = new ComboBox<>(p.name());
        f.setItems(fitting.stream().map(Repo::fullId).toList());
        f.setValue(preset != null ? preset : fitting.isEmpty() ? null : fitting.get(0).fullId());
        f.setHelperText((p.help() == null ? "" : p.help()) + (p.choices() == null ? "" : " (" + String.join(" or ", p.choices())
                + " models)"));
        f.setWidthFull();
        f.setId("param-" + p.name());
        return new ParamField(p, f, f::getValue);
    }

    /** {@code wanted}, or with "-2", "-3", ... appended when a model repository of that name exists already. */
    private String freeModelName(String wanted) {
        String name = wanted;
        try {
            for (int i = 2; i < 100 && repos.find(RepoName.parse(RepoType.MODEL, name)).isPresent(); i++) {
                name = wanted + "-" + i;
            }
        } catch (ApiException e) {
            // not a valid name (e.g. too long): shown as it is, and Review says what is wrong with it
        }
        return name;
    }

    private static String range(ParamSpec p) {
        if (p.min() == null && p.max() == null) {
            return "";
        }
        return " (" + num(p.min()) + " to " + num(p.max()) + ")";
    }

    private static String num(Double d) {
        return d == null ? "any" : BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    /** Checks every field with the API's rules; shows the summary only when all pass. */
    private void review(Viewer viewer) {
        boolean ok = true;
        Map<String, Object> values = new LinkedHashMap<>();
        for (ParamField f : params.values()) {
            clear(f.field());
            Object v = f.value().get();
            if (v == null && f.param().defaultValue() != null) {
                ok &= invalid(f.field(), "Enter a value (default " + f.param().defaultValue() + ")");
                continue;
            }
            try {
                values.put(f.param().name(), v == null ? null : JobParams.check(f.param(), v));
            } catch (ApiException e) {
                ok &= invalid(f.field(), e.getMessage());
            }
        }
        for (IntegerField f : List.of(gpus, gpuMemory, priority, maxAttempts)) {
            clear(f);
            if (f.getValue() == null) {
                ok &= invalid(f, "Enter a whole number");
            }
        }
        if (!ok) {
            return;
        }
        Map<String, String> problems = JobParams.resourceProblems(gpus.getValue(), gpuMemory.getValue(), maxAttempts.getValue());
        ok &= problems.get("gpus") == null || invalid(gpus, problems.get("gpus"));
        ok &= problems.get("gpuMemoryMb") == null || invalid(gpuMemory, problems.get("gpuMemoryMb"));
        ok &= problems.get("maxAttempts") == null || invalid(maxAttempts, problems.get("maxAttempts"));
        clear(dataset);
        if (dataset.getValue() == null) {
            ok &= invalid(dataset, "Choose a dataset");
        }
        clear(output);
        try {
            RepoName out = RepoName.parse(RepoType.MODEL, output.getValue().trim());
            if (repos.find(out).isPresent()) {
                ok &= invalid(output, "The output repository " + out.id() + " already exists: name a new one");
            }
        } catch (ApiException e) {
            ok &= invalid(output, e.getMessage());
        }
        if (!ok) {
            return;
        }
        List<String> labelList = new ArrayList<>();
        for (String l : labels.getValue().split(",")) {
            if (!l.isBlank()) {
                labelList.add(l.trim());
            }
        }
        RecipeDescriptor r = recipe.getValue();
        JobSpec spec = new JobSpec(r.id(), model == null ? null : model.fullId(), null, dataset.getValue().fullId(), null, values,
                output.getValue().trim(), gpus.getValue(), (long) gpuMemory.getValue(), labelList, priority.getValue(), maxAttempts.getValue(),
                null, null, privateOutput.getValue());
        summary(viewer, spec);
    }

    private void summary(Viewer viewer, JobSpec spec) {
        Dialog dialog = new Dialog();
        dialog.setHeaderTitle(spec.baseModel() == null ? "Submit this training job?" : "Submit this fine-tune?");
        Pre text = new Pre(json.write(spec).replace(",\"", ",\n  \"").replace("{\"", "{\n  \"").replace("}", "\n}"));
        text.setId("job-summary");
        String what = spec.baseModel() == null ? "Recipe " + spec.recipe() + " trains a new model (no base model) on " + spec.dataset()
                : "Recipe " + spec.recipe() + " on " + spec.baseModel() + " with " + spec.dataset();
        Div body = new Div(new Paragraph(what + "; the result is committed to " + spec.outputRepo() + "."), text);
        dialog.add(body);
        Button submit = new Button("Submit", e -> {
            try {
                JobService.JobView job = jobs.submit(viewer, spec);
                dialog.close();
                UiErrors.success("Job " + job.id() + " queued");
                getUI().ifPresent(ui -> ui.navigate("jobs/" + job.id()));
            } catch (ApiException ex) {
                dialog.close();
                UiErrors.show(ex.getMessage());
            }
        });
        submit.setId("submit-job");
        submit.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        Button back = new Button("Back", e -> dialog.close());
        back.setId("back-to-form");
        dialog.getFooter().add(back, submit);
        dialog.open();
    }

    private static void clear(Component field) {
        if (field instanceof HasValidation v) {
            v.setInvalid(false);
            v.setErrorMessage(null);
        }
    }

    private static boolean invalid(Component field, String message) {
        if (field instanceof HasValidation v) {
            v.setErrorMessage(message);
            v.setInvalid(true);
        } else {
            UiErrors.show(message);
        }
        return false;
    }
}
