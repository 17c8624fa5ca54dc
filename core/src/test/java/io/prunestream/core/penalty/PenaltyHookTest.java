package io.prunestream.core.penalty;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.GraphFixtures;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.Optimizer;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.Importance;
import io.prunestream.core.prune.L1Norm;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.prune.PruneSelector;
import io.prunestream.core.schedule.Granularity;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * With plain SGD (lr = 1, no momentum, no weight decay), the update is the gradient itself, so the
 * difference between a step with the penalty and one without is exactly lambda * w on the chosen
 * groups and zero everywhere else.
 */
class PenaltyHookTest {
    private static final OptimizerSpec PLAIN_SGD = new OptimizerSpec(Optimizer.SGD, 1.0, 0, 0);

    private static DataSet batch(InputShape s, int classes) {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.FLOAT, s.batchShape(4));
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, classes);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % classes, 1f);
        }
        return new DataSet(x, y);
    }

    private static java.util.List<Group> groups(Network net) {
        return DependencyGraph.of(net).groups(GroupScope.INNER);
    }

    @Test
    void filterPenaltyAddsLambdaTimesWOnChosenFiltersOnly() {
        check(ModelSpec.smallCnn(InputShape.MNIST, 10, 5).build(PLAIN_SGD), "4", 10);
    }

    @Test
    void filterPenaltyWorksInAComputationGraph() {
        check(
                ModelSpec.resnet(8, 0.5, new InputShape(3, 8, 8), 4, 5).build(PLAIN_SGD),
                "s2b0_conv1",
                4);
    }

    private static void check(Network net, String node, int classes) {
        String key = node + "_W";
        int n = (int) net.param(key).size(0);
        PrunePlan plan =
                new PrunePlan(Granularity.FILTER, Map.of(node, new int[] {1, 3}), Map.of(node, n));
        Network plain = net.copy();
        Network penalised = net.copy();
        PenaltyHook hook = new PenaltyHook();
        hook.setPenalty(groups(net), plan, NormPenalty.OFF, 0.5, 0.0);
        assertThat(hook.penalties()).containsOnlyKeys(key);
        penalised.addListener(hook);
        INDArray w0 = net.param(key).dup();

        DataSet b = batch(net.inputShape(), classes);
        plain.fit(b);
        penalised.fit(b);

        // params_penalised - params_plain = -lr * lambda * w0, on filters 1 and 3 of one layer
        for (Map.Entry<String, INDArray> e : plain.paramTable().entrySet()) {
            INDArray diff = penalised.param(e.getKey()).sub(e.getValue());
            if (!e.getKey().equals(key)) {
                assertThat(diff.amaxNumber().doubleValue()).as(e.getKey()).isZero();
                continue;
            }
            long fanIn = w0.length() / n;
            INDArray d = diff.reshape('c', n, fanIn);
            INDArray w = w0.reshape('c', n, fanIn);
            for (int f = 0; f < n; f++) {
                double lambda = (f == 1 || f == 3) ? 0.5 : 0.0;
                INDArray expected = w.getRow(f).mul(-lambda);
                double err = d.getRow(f).sub(expected).amaxNumber().doubleValue();
                assertThat(err).as("filter %d", f).isLessThan(1e-6);
                if (lambda > 0) {
                    assertThat(d.getRow(f).amaxNumber().doubleValue()).isGreaterThan(1e-3);
                }
            }
        }
    }

    @Test
    void prunedOnlyParametersGetThePrunedLambdaAndNothingOnKeptEntries() {
        // small CNN: layer 4 is conv2 (32 filters), layer 5 its BatchNorm
        Network net = ModelSpec.smallCnn(InputShape.MNIST, 10, 5).build(PLAIN_SGD);
        DataSet b = batch(net.inputShape(), 10);
        net.fit(b); // beta starts at 0: one plain step makes it non-zero
        PrunePlan plan =
                new PrunePlan(Granularity.FILTER, Map.of("4", new int[] {1, 3}), Map.of("4", 32));
        PenaltyHook hook = new PenaltyHook();
        hook.setPenalty(groups(net), plan, NormPenalty.PRUNED, 0.5, -0.25);
        float[] full = new float[32];
        float[] prunedOnly = new float[32];
        java.util.Arrays.fill(full, -0.25f);
        full[1] = full[3] = 0.5f;
        prunedOnly[1] = prunedOnly[3] = 0.5f;
        assertThat(hook.penalties())
                .containsOnlyKeys("4_W", "5_gamma", "5_beta")
                .containsEntry("4_W", full)
                .containsEntry("5_gamma", prunedOnly)
                .containsEntry("5_beta", prunedOnly);

        Network plain = net.copy();
        Network penalised = net.copy();
        penalised.addListener(hook);
        INDArray gamma0 = net.param("5_gamma").dup();
        INDArray beta0 = net.param("5_beta").dup();
        plain.fit(b);
        penalised.fit(b);
        // with lr 1 and no momentum: penalised - plain = -lambda * value, entry by entry
        for (String key : new String[] {"5_gamma", "5_beta"}) {
            INDArray v0 = key.equals("5_gamma") ? gamma0 : beta0;
            INDArray diff = penalised.param(key).sub(plain.param(key));
            for (int f = 0; f < 32; f++) {
                double expected = -prunedOnly[f] * v0.getDouble(f);
                assertThat(diff.getDouble(f))
                        .as("%s[%d]", key, f)
                        .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
            }
            assertThat(Math.abs(diff.getDouble(1))).isGreaterThan(1e-4);
        }
    }

    @Test
    void denseNeuronsGetTheirPenaltyOnTheirWeightColumns() {
        // h2 (layer 2) of the MLP: W [16, 10], units are columns
        checkGroup(GraphFixtures.mlp(), GroupScope.INNER, "2", new int[] {1, 3});
    }

    @Test
    void aGroupsDepthwiseFiltersGetItsPenaltyToo() {
        // pw1's 12 channels run through dw2 (multiplier 2): W [3, 3, 12, 2] along axis 2
        Network net = GraphFixtures.separable();
        Map<String, float[]> p = checkGroup(net, GroupScope.INNER, "pw1", new int[] {0, 5, 11});
        assertThat(p).containsOnlyKeys("pw1_W", "dw2_W");
    }

    @Test
    void aCoupledGroupHasOneLambdaOnEveryConvOfTheResidualStream() {
        Network net = ModelSpec.resnet(8, 0.5, new InputShape(3, 8, 8), 4, 5).build(PLAIN_SGD);
        Map<String, float[]> p =
                checkGroup(net, GroupScope.COUPLED, "stem_conv", new int[] {1, 3, 4, 7});
        // stage 1 has 8 channels, stage 2 16 (channels c and 8 + c are unit c), stage 3 32
        float[] stage2 = p.get("s2b0_conv2_W");
        assertThat(stage2).hasSize(16);
        for (int c = 0; c < 8; c++) {
            float lambda = c == 1 || c == 3 || c == 4 || c == 7 ? 0.5f : 0f;
            assertThat(p.get("stem_conv_W")[c]).isEqualTo(lambda);
            assertThat(stage2[c]).isEqualTo(lambda);
            assertThat(stage2[8 + c]).isEqualTo(lambda);
        }
        assertThat(p)
                .containsOnlyKeys("stem_conv_W", "s1b0_conv2_W", "s2b0_conv2_W", "s3b0_conv2_W");
    }

    /**
     * With plain SGD at lr 1, one step with the penalty (0.5 on {@code pruned} of group {@code
     * name}) minus one without is -0.5 * w on exactly the filters those units remove (in every
     * layer of the group, along each one's axis) and zero everywhere else.
     *
     * @return the hook's factors
     */
    private static Map<String, float[]> checkGroup(
            Network net, GroupScope scope, String name, int[] pruned) {
        java.util.List<Group> groups = DependencyGraph.of(net).groups(scope);
        Group g = groups.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        PrunePlan plan =
                new PrunePlan(Granularity.FILTER, Map.of(name, pruned), Map.of(name, g.size()));
        PenaltyHook hook = new PenaltyHook();
        hook.setPenalty(groups, plan, NormPenalty.OFF, 0.5, 0.0);
        Network plain = net.copy();
        Network penalised = net.copy();
        plain.setLearningRate(1.0);
        penalised.setLearningRate(1.0);
        penalised.addListener(hook);
        DataSet b = batch(net.inputShape(), GraphFixtures.CLASSES);
        Nd4j.getRandom().setSeed(5); // same dropout masks in both steps
        plain.fit(b);
        Nd4j.getRandom().setSeed(5);
        penalised.fit(b);

        java.util.Set<Integer> gone =
                java.util.Arrays.stream(pruned)
                        .boxed()
                        .collect(java.util.stream.Collectors.toSet());
        Map<String, Group.Member> filters = new java.util.HashMap<>();
        g.members().stream()
                .filter(Group.Member::carriesFilters)
                .forEach(m -> filters.put(m.weightKey(), m));
        assertThat(hook.penalties()).containsOnlyKeys(filters.keySet());
        for (Map.Entry<String, INDArray> e : plain.paramTable().entrySet()) {
            INDArray diff = penalised.param(e.getKey()).sub(e.getValue());
            Group.Member m = filters.get(e.getKey());
            if (m == null) {
                assertThat(diff.amaxNumber().doubleValue()).as(e.getKey()).isZero();
                continue;
            }
            INDArray d = Importance.alongFirst(diff, m.weightAxis());
            INDArray w = Importance.alongFirst(net.param(e.getKey()), m.weightAxis());
            for (int p = 0; p < m.width(); p++) {
                double lambda = gone.contains(m.unitOf()[p]) ? 0.5 : 0.0;
                INDArray expected = w.slice(p).mul(-lambda);
                double err = d.slice(p).sub(expected).amaxNumber().doubleValue();
                assertThat(err).as("%s position %d", e.getKey(), p).isLessThan(1e-6);
                if (lambda > 0) {
                    assertThat(d.slice(p).amaxNumber().doubleValue()).isGreaterThan(1e-4);
                }
            }
        }
        return hook.penalties();
    }

    @Test
    void unstructuredMasksStayExactlyZeroThroughFineTuning() {
        Network net =
                ModelSpec.smallCnn(InputShape.MNIST, 10, 5).build(OptimizerSpec.sgd(0.05, 5e-4));
        PrunePlan plan =
                PruneSelector.select(
                        net, Granularity.WEIGHT, LayerRatios.uniform(0.8), new L1Norm());
        PenaltyHook hook = new PenaltyHook();
        net.addListener(hook);
        hook.setMasks(net.model(), plan);
        for (int i = 0; i < 5; i++) {
            net.fit(batch(net.inputShape(), 10));
        }
        for (Map.Entry<String, int[]> e : plan.pruned().entrySet()) {
            float[] w = net.param(e.getKey()).dup('c').data().asFloat();
            for (int i : e.getValue()) {
                assertThat(w[i]).as("%s[%d]", e.getKey(), i).isEqualTo(0f);
            }
            long nonZero = 0;
            for (float v : w) {
                nonZero += v != 0 ? 1 : 0;
            }
            assertThat(nonZero).isEqualTo(w.length - e.getValue().length);
        }
    }
}
