package io.prunestream.core.prune;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.Group.Slice;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.imports.ImportFixtures;
import io.prunestream.core.nn.imports.ImportFixtures.Fixture;
import io.prunestream.core.nn.imports.ModelImports;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model file PyTorch or h5py made ({@link ImportFixtures}; the PyTorch ones exported with
 * BatchNorm folded and kept) imports, has the groups its architecture implies - which are prunable,
 * which blocked and why - and prunes exactly: with {@code inner} and {@code coupled} groups, every
 * prunable group at 0.5 gives a network equal to the imported one with the pruned channels cut off
 * ({@link SurgeryCheck}, max |delta| < 1e-4 on random inputs).
 */
class ImportedModelPruningTest {
    private static final String ADD = "(a residual add)";
    private static final String CONCAT = "(a concatenation)";

    /**
     * The groups a fixture has in one scope: prunable ones by layer and kind, blocked by reason.
     */
    private record Expected(
            Map<String, Group.Kind> prunable,
            Map<String, String> blocked,
            Consumer<Map<String, Group>> members) {}

    static Stream<Arguments> fixtures() {
        return ImportFixtures.all().stream()
                .flatMap(f -> Stream.of(GroupScope.values()).map(s -> Arguments.of(f, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixtures")
    void importsFindsTheExpectedGroupsAndPrunesExactly(Fixture f, GroupScope scope) {
        Network net = ModelImports.read(f.file()).network();
        List<Group> groups = DependencyGraph.of(net).groups(scope);
        Expected e = expected(f.name().replaceFirst("-bn$", ""), scope);
        // prunable groups in graph order; blocked ones by the layer and type their reason names

        Map<String, Group.Kind> prunable = new LinkedHashMap<>();
        Map<String, String> blocked = new LinkedHashMap<>();
        Map<String, Group> byLabel = new LinkedHashMap<>();
        for (Group g : groups) {
            byLabel.put(g.label(), g);
            if (g.prunable()) {
                prunable.put(g.label(), g.kind());
            } else {
                blocked.put(g.label(), g.blockedBy());
            }
        }
        assertThat(prunable).as("prunable groups").containsExactlyEntriesOf(e.prunable());
        assertThat(blocked.keySet()).as("blocked groups").isEqualTo(e.blocked().keySet());
        e.blocked().forEach((label, why) -> assertThat(blocked.get(label)).as(label).contains(why));
        e.members().accept(byLabel);
        if (f.name().endsWith("-bn")) {
            assertThat(groups.stream().flatMap(g -> g.members(Slice.NORM).stream()))
                    .as("the export that keeps BatchNorm: its layers are sliced with the groups")
                    .isNotEmpty();
        }

        PrunePreview half = PrunePreview.of(net, scope, LayerRatios.uniform(0.5), new L1Norm());
        boolean anyByDefault = groups.stream().anyMatch(g -> g.prunable() && !g.keptUnlessNamed());
        if (anyByDefault) {
            assertThat(half.after().params()).isLessThan(half.before().params());
            assertThat(half.after().flops()).isLessThan(half.before().flops());
        } else {
            assertThat(half.after()).isEqualTo(half.before());
        }
        String surgery = "no prunable group";
        if (!prunable.isEmpty()) {
            SurgeryCheck.Result r = SurgeryCheck.assertPrunedEqualsCutOff(net, scope, 0.5, 42);
            surgery =
                    String.format(
                            "every prunable group at 0.5: params %d -> %d, max |delta| %.1e"
                                    + " (unpruned differs by %.1e)",
                            net.numParams(), r.pruned().numParams(), r.maxDiff(), r.change());
        }
        System.out.printf(
                "%-18s %-7s %d groups, %d prunable, %d blocked; default 0.5: params %d -> %d,"
                        + " FLOPs %d -> %d; %s%n",
                f.name(),
                scope,
                groups.size(),
                prunable.size(),
                blocked.size(),
                half.before().params(),
                half.after().params(),
                half.before().flops(),
                half.after().flops(),
                surgery);
    }

    /** Coupled groups prune a ResNet-20's residual stream on top of the inner convs. */
    @Test
    void coupledRemovesMoreOfResNet20ThanInner() {
        for (String name : List.of("resnet20", "resnet20-bn")) {
            Network net = ModelImports.read(ImportFixtures.named(name).file()).network();
            LayerRatios half = LayerRatios.uniform(0.5);
            PrunePreview inner = PrunePreview.of(net, GroupScope.INNER, half, new L1Norm());
            PrunePreview coupled = PrunePreview.of(net, GroupScope.COUPLED, half, new L1Norm());
            long innerParams = inner.before().params() - inner.after().params();
            long coupledParams = coupled.before().params() - coupled.after().params();
            long innerFlops = inner.before().flops() - inner.after().flops();
            long coupledFlops = coupled.before().flops() - coupled.after().flops();
            assertThat(coupledParams).isGreaterThan(innerParams);
            assertThat(coupledFlops).isGreaterThan(innerFlops);
            // the plans agree on the inner convs; coupled adds the three stream groups
            assertThat(coupled.plan().pruned().keySet())
                    .containsAll(inner.plan().pruned().keySet())
                    .hasSize(inner.plan().pruned().size() + 3);
            System.out.printf(
                    "%s at 0.5: inner removes %d params, %d FLOPs (speed-up %.2fx); coupled"
                            + " removes %d params, %d FLOPs (speed-up %.2fx): %d params and %d"
                            + " FLOPs more%n",
                    name,
                    innerParams,
                    innerFlops,
                    inner.before().speedupOver(inner.after()),
                    coupledParams,
                    coupledFlops,
                    coupled.before().speedupOver(coupled.after()),
                    coupledParams - innerParams,
                    coupledFlops - innerFlops);
        }
    }

    private static Expected expected(String fixture, GroupScope scope) {
        boolean coupled = scope == GroupScope.COUPLED;
        Map<String, Group.Kind> prunable = new LinkedHashMap<>();
        Map<String, String> blocked = new LinkedHashMap<>();
        Consumer<Map<String, Group>> members = g -> {};
        switch (fixture) {
            case "resnet20" -> {
                // the stream of each stage: one group with coupled, else every conv adding to it
                // is blocked; each block's conv1 is the paper's inner group
                if (coupled) {
                    prunable.put("conv", Group.Kind.COUPLED);
                } else {
                    blocked.put("conv", "ElementWiseVertex 'blocks.0.Add'");
                }
                for (int b = 0; b < 9; b++) {
                    prunable.put("blocks." + b + ".conv1", Group.Kind.FILTERS);
                    if (b % 3 == 0 && b > 0) {
                        if (coupled) {
                            prunable.put("blocks." + b + ".conv2", Group.Kind.COUPLED);
                        } else {
                            blocked.put("blocks." + b + ".conv2", ADD);
                            blocked.put("blocks." + b + ".shortcut.0", ADD);
                        }
                    } else if (!coupled) {
                        blocked.put("blocks." + b + ".conv2", ADD);
                    }
                }
                if (coupled) {
                    members =
                            g -> {
                                assertThat(g.get("conv").producerLabels())
                                        .containsExactly(
                                                "conv",
                                                "blocks.0.conv2",
                                                "blocks.1.conv2",
                                                "blocks.2.conv2");
                                for (int stage = 1; stage < 3; stage++) {
                                    int b = 3 * stage;
                                    assertThat(g.get("blocks." + b + ".conv2").producerLabels())
                                            .containsExactly(
                                                    "blocks." + b + ".conv2",
                                                    "blocks." + b + ".shortcut.0",
                                                    "blocks." + (b + 1) + ".conv2",
                                                    "blocks." + (b + 2) + ".conv2");
                                }
                                assertThat(labels(g.get("blocks.6.conv2"), Slice.IN))
                                        .contains("fc");
                            };
                }
            }
            case "vgg11_bn" -> {
                for (int i : new int[] {0, 4, 8, 11, 15, 18, 22, 25}) {
                    prunable.put("features." + i, Group.Kind.FILTERS);
                }
                prunable.put("classifier.0", Group.Kind.NEURONS);
                members =
                        g -> {
                            assertThat(g.get("features.25").members(Slice.FLATTEN)).hasSize(1);
                            assertThat(labels(g.get("features.25"), Slice.IN))
                                    .containsExactly("classifier.0");
                        };
            }
            case "inception" -> {
                // in graph order: the stem, the four branches (b2 has an inner 1x1 first), head
                List<String> branches = List.of("b1.0", "b2.1.0", "b3.1.0", "b4.1.0");
                prunable.put("stem.0", Group.Kind.FILTERS);
                for (String b : branches) {
                    if (b.equals("b2.1.0")) {
                        prunable.put("b2.0.0", Group.Kind.FILTERS);
                    }
                    if (coupled) {
                        prunable.put(b, Group.Kind.COUPLED);
                    } else {
                        blocked.put(b, CONCAT);
                    }
                }
                prunable.put("head.0", Group.Kind.FILTERS);
                members =
                        g -> {
                            // the depthwise branch follows the stem's channels
                            assertThat(labels(g.get("stem.0"), Slice.DEPTHWISE))
                                    .containsExactly("b4.0.0");
                            if (coupled) {
                                for (String b : branches) {
                                    assertThat(labels(g.get(b), Slice.IN))
                                            .as(b + " reaches the head through the concat")
                                            .containsExactly("head.0");
                                }
                            }
                        };
            }
            case "mlp" -> {
                prunable.put("net.0", Group.Kind.NEURONS);
                prunable.put("net.4", Group.Kind.NEURONS);
            }
            case "ops" -> {
                if (coupled) {
                    prunable.put("conv_asym", Group.Kind.COUPLED);
                    members =
                            g -> {
                                Group c = g.get("conv_asym");
                                assertThat(c.producerLabels())
                                        .containsExactly("conv_asym", "pointwise");
                                assertThat(labels(c, Slice.DEPTHWISE)).containsExactly("depthwise");
                                assertThat(c.members(Slice.FLATTEN)).hasSize(1);
                                assertThat(labels(c, Slice.IN))
                                        .containsExactly("pointwise", "matmul");
                            };
                } else {
                    blocked.put("conv_asym", ADD);
                    blocked.put("pointwise", ADD);
                }
                prunable.put("matmul", Group.Kind.NEURONS);
            }
            case "keras_cnn" -> {
                prunable.put("conv1", Group.Kind.FILTERS);
                prunable.put("conv2", Group.Kind.FILTERS);
                prunable.put("fc1", Group.Kind.NEURONS);
                members =
                        g -> {
                            // BatchNorm after the ReLU still goes with conv1's filters
                            assertThat(labels(g.get("conv1"), Slice.NORM)).containsExactly("bn1");
                            assertThat(g.get("conv2").members(Slice.FLATTEN)).hasSize(1);
                            assertThat(labels(g.get("conv2"), Slice.IN)).containsExactly("fc1");
                        };
            }
            case "keras_functional" -> {
                if (coupled) {
                    prunable.put("stem", Group.Kind.COUPLED);
                    prunable.put("branch_a", Group.Kind.COUPLED);
                    prunable.put("branch_b", Group.Kind.COUPLED);
                    members =
                            g ->
                                    assertThat(g.get("stem").producerLabels())
                                            .as("stem and res_conv only go together")
                                            .containsExactly("stem", "res_conv");
                } else {
                    blocked.put("stem", ADD);
                    blocked.put("res_conv", ADD);
                    blocked.put("branch_a", CONCAT);
                    blocked.put("branch_b", CONCAT);
                }
            }
            default -> throw new IllegalStateException("no expectation for fixture " + fixture);
        }
        return new Expected(prunable, blocked, members);
    }

    private static List<String> labels(Group g, Slice slice) {
        return g.members(slice).stream().map(Group.Member::label).toList();
    }
}
