package io.prunestream.core.prune;

import io.prunestream.core.group.GraphFixtures;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Surgery of every group kind is exact: on each fixture, every prunable group pruned at 0.5 (with
 * both scopes) gives a network that computes what the original computes with the pruned channels
 * cut off ({@link SurgeryCheck}).
 */
class GroupSurgeryTest {
    private static final OptimizerSpec SGD = OptimizerSpec.sgd(0.05, 5e-4);

    static Stream<Arguments> fixtures() {
        Map<String, Supplier<Network>> nets = new LinkedHashMap<>();
        nets.put("mlp", GraphFixtures::mlp);
        nets.put("inception", GraphFixtures::inception);
        nets.put("resnet20-projection", GraphFixtures::resnet20);
        nets.put(
                "resnet20-option-a",
                () -> ModelSpec.resnet(20, 0.5, new InputShape(3, 12, 12), 5, 3).build(SGD));
        nets.put("separable", GraphFixtures::separable);
        nets.put("vgg-bn", GraphFixtures::vggBn);
        nets.put("concat-into-add", GraphFixtures::concatIntoAdd);
        return nets.entrySet().stream()
                .flatMap(
                        e ->
                                Stream.of(GroupScope.values())
                                        .map(s -> Arguments.of(e.getKey(), s, e.getValue())));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixtures")
    void everyPrunableGroupAtHalfMatchesTheOriginalWithItsChannelsCutOff(
            String name, GroupScope scope, Supplier<Network> fixture) {
        Network net = fixture.get();
        trainBriefly(net);
        SurgeryCheck.assertPrunedEqualsCutOff(net, scope, 0.5, 42);
    }

    /** A few steps so BatchNorm running statistics and weights are not at their initial values. */
    static void trainBriefly(Network net) {
        FilterSurgeryTest.trainBriefly(net);
    }
}
