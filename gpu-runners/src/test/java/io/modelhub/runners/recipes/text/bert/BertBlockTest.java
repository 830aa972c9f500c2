package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.modelhub.runners.recipes.Torch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BertBlockTest {

    @TempDir
    Path tmp;

    /** ACT2FN values at -1, 0.5 and 2 (torch.nn.functional.gelu with and without approximate="tanh", relu). */
    @Test
    void activationsMatchTransformers() {
        try (NDManager manager = Torch.engine().newBaseManager(Device.cpu())) {
            NDArray x = manager.create(new float[] {-1f, 0.5f, 2f});
            assertArrayEquals(new float[] {-0.15865526f, 0.34573123f, 1.9544997f},
                    BertBlock.activate(BertConfig.Activation.GELU, x, manager).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {-0.15880801f, 0.34571401f, 1.9545977f},
                    BertBlock.activate(BertConfig.Activation.GELU_TANH, x, manager).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0f, 0.5f, 2f},
                    BertBlock.activate(BertConfig.Activation.RELU, x, manager).toFloatArray());
        }
    }

    /** Dropout acts in training mode only; inference is deterministic. */
    @Test
    void dropoutOnlyWhenTraining() throws Exception {
        Path dir = TinyBert.write(tmp.resolve("bert"), BertConfig.Family.BERT);
        try (BertModel model = BertModel.load(dir, Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            NDList inputs = model.inputs(manager, TinyBert.CORPUS);
            float[] eval1 = model.forward(inputs).get(0).toFloatArray();
            float[] eval2 = model.forward(inputs).get(0).toFloatArray();
            assertArrayEquals(eval1, eval2);
            float[] train = model.block().forward(new ParameterStore(manager, false), inputs, true).get(0)
                    .toFloatArray();
            assertFalse(Arrays.equals(eval1, train));
        }
    }

    /** A padded batch gives each text the states it gets alone: padded keys are masked out. */
    @Test
    void paddingDoesNotChangeStates() throws Exception {
        Path dir = TinyBert.write(tmp.resolve("roberta"), BertConfig.Family.ROBERTA);
        try (BertModel model = BertModel.load(dir, Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            List<String> texts = List.of("the cat", "it is a sunny day in the park");
            NDArray batch = model.forward(model.inputs(manager, texts)).get(0);
            NDArray alone = model.forward(model.inputs(manager, texts.subList(0, 1))).get(0);
            long length = alone.getShape().get(1);
            assertEquals(4, length);
            assertArrayEquals(alone.toFloatArray(), batch.get("0:1, 0:" + length + ", :").toFloatArray(), 1e-5f);
        }
    }
}
