package io.modelhub.ui.leaderboards;

import io.modelhub.leaderboards.EvaluationService;
import io.modelhub.repos.Repo;
import io.modelhub.ui.UiSession;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H4;
import com.vaadin.flow.component.html.Span;
import jakarta.enterprise.inject.spi.CDI;

import java.util.List;

/** A model page's scores: its finished evaluations, each linking to the benchmark's leaderboard and the run. */
public final class ModelScores {
    private ModelScores() {
    }

    public static Component of(Repo repo) {
        List<EvaluationService.EvaluationView> done = CDI.current().select(EvaluationService.class).get()
                .forModel(UiSession.viewer(), repo.fullId()).stream().filter(e -> e.score() != null).toList();
        Div box = new Div();
        box.setId("model-scores");
        if (done.isEmpty()) {
            return box;
        }
        box.add(new H4("Scores"));
        for (EvaluationService.EvaluationView e : done) {
            Div line = new Div(new Anchor("/benchmarks/" + e.benchmarkId(), e.benchmark()),
                    new Span(" " + e.metric() + " " + LeaderboardView.score(e.score()) + " @" + e.modelCommit().substring(0, 7) + " "),
                    LeaderboardView.badge("verified"), new Span(" "), new Anchor(e.runUrl(), "job #" + e.jobId()));
            line.addClassName("model-score");
            box.add(line);
        }
        return box;
    }
}
