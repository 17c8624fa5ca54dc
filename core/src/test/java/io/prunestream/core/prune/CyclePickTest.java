package io.prunestream.core.prune;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The units a continuous run's cycles remove, worked out by hand on the small CNN. */
class CyclePickTest {
    private static final Network NET =
            ModelSpec.smallCnn(new InputShape(1, 12, 12), 4, 1).build(OptimizerSpec.sgd(0.1, 0));

    private static List<Group> groups(Network net) {
        return DependencyGraph.of(net).groups(GroupScope.INNER);
    }

    @Test
    void aCycleTakesItsStepOfWhatIsLeftUpToTheLimit() {
        Map<String, Long> base = NetworkCost.of(NET).widths(); // conv2 32, conv3 64
        // step 0.25: ceil(0.25*32) = 8 of conv2, 16 of conv3; conv1 reads the input, fc1 is kept
        CyclePick first = CyclePick.next(groups(NET), LayerRatios.uniform(0.5), base, 0.25, 0);
        assertThat(first.remove()).isEqualTo(Map.of("conv2", 8, "conv3", 16));
        // the selector removes exactly those counts
        PrunePlan plan = PruneSelector.select(NET, groups(NET), first.ratios(), new L1Norm());
        assertThat(plan.pruned().values()).extracting(u -> u.length).containsExactly(8, 16);

        Network cut = GroupSurgery.apply(NET, groups(NET), plan); // 24 and 48 left
        // 0.25 of 24 = 6, of 48 = 12; the limit 0.5 of 32 and 64 leaves room for 8 and 16
        CyclePick second = CyclePick.next(groups(cut), LayerRatios.uniform(0.5), base, 0.25, 0);
        assertThat(second.remove()).isEqualTo(Map.of("conv2", 6, "conv3", 12));
        // limit 0.4: ceil(0.4*32) = 13 of 32 -> 19 kept, room 5 in conv2; 26 of 64 -> 10 in conv3
        CyclePick capped = CyclePick.next(groups(cut), LayerRatios.uniform(0.4), base, 0.25, 0);
        assertThat(capped.remove()).isEqualTo(Map.of("conv2", 5, "conv3", 10));
        assertThat(CyclePick.removedShare(groups(cut), LayerRatios.uniform(0.5), base))
                .isEqualTo(24.0 / 96);
    }

    @Test
    void aRatioTargetCapsTheTotal() {
        Map<String, Long> base = NetworkCost.of(NET).widths();
        // target 0.2 of 96 units: ceil(19.2) = 20; conv2 takes its 8, conv3 the 12 that are left
        CyclePick p = CyclePick.next(groups(NET), LayerRatios.uniform(0.5), base, 0.25, 0.2);
        assertThat(p.remove()).isEqualTo(Map.of("conv2", 8, "conv3", 12));
        assertThat(p.total()).isEqualTo(20);
    }

    @Test
    void ratiosGiveExactCounts() {
        for (int n = 1; n <= 300; n++) {
            for (int k = 0; k < n; k++) {
                assertThat(PruneSelector.prunedCount(CyclePick.ratioFor(k, n), n))
                        .as("%d of %d", k, n)
                        .isEqualTo(k);
            }
        }
    }
}
