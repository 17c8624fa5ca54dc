package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

/** Runs land one per subtask, by Flink's own key-group assignment of their routing keys. */
class RunPlacementTest {
    private static final int M = 128;

    @Test
    void theIdsAloneCollide() {
        // why routing keys exist: r50 and r90 hash to the same subtask at parallelism 2 to 4
        for (int p : new int[] {2, 3, 4}) {
            assertThat(KeyGroupRangeAssignment.assignKeyToParallelOperator("r50", M, p))
                    .isEqualTo(KeyGroupRangeAssignment.assignKeyToParallelOperator("r90", M, p));
        }
    }

    @Test
    void twoRunsAtParallelismTwoThreeAndFourTrainOnTwoSubtasks() {
        RunPlacement plan = RunPlacement.plan(List.of("r50", "r90"), 2, M);
        assertThat(plan.stableAcrossRescaling()).isTrue();
        for (int p : new int[] {2, 3, 4}) {
            Map<String, Integer> at = plan.subtasks(p, M);
            assertThat(new HashSet<>(at.values())).as("parallelism %d: %s", p, at).hasSize(2);
            long perSubtask = IntStream.range(0, p).filter(i -> at.containsValue(i)).count();
            assertThat(perSubtask).isEqualTo(2);
        }
        // the same keys whatever the parallelism: a rescaled job finds its state
        assertThat(RunPlacement.plan(List.of("r90", "r50"), 4, M).keys()).isEqualTo(plan.keys());
    }

    @Test
    void idsThatAlreadySpreadKeepTheirNames() {
        RunPlacement plan = RunPlacement.plan(List.of("a", "b"), 1, M);
        assertThat(plan.keys()).containsEntry("a", "a").containsEntry("b", "b");
        assertThat(plan.runOf("a")).isEqualTo("a");
    }

    @Test
    void fourRunsAtParallelismFourUseEverySubtask() {
        RunPlacement plan = RunPlacement.plan(List.of("r30", "r50", "r70", "r90"), 4, M);
        for (int p = 4; p <= 8; p++) {
            assertThat(new HashSet<>(plan.subtasks(p, M).values())).hasSize(4);
        }
    }

    @Test
    void manyRunsFallBackToAPlanForTheJobsParallelism() {
        List<String> ids = IntStream.range(0, 40).mapToObj(i -> "run" + i).toList();
        RunPlacement plan = RunPlacement.plan(ids, 40, M);
        assertThat(plan.stableAcrossRescaling()).isFalse();
        assertThat(new HashSet<>(plan.subtasks(40, M).values())).hasSize(40);
        RunPlacement fewer = RunPlacement.plan(ids, 8, M);
        Map<String, Integer> at = fewer.subtasks(8, M);
        for (int s = 0; s < 8; s++) {
            int subtask = s;
            assertThat(at.values().stream().filter(v -> v == subtask).count()).isEqualTo(5);
        }
    }
}
