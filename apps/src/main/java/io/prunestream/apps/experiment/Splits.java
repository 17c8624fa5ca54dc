package io.prunestream.apps.experiment;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.train.HeldOutSet;
import java.util.Arrays;

/**
 * A data set split three ways: train and validation carved from TRAIN (validation = its last
 * images, fixed), and test from TEST.
 */
record Splits(
        String name,
        LabelledImages train,
        LabelledImages validation,
        HeldOutSet validationSet,
        HeldOutSet testSet) {

    static Splits load(Datasets data, int trainSamples, int validationSamples, int testSamples) {
        LabelledImages all = data.load(Datasets.Split.TRAIN).head(trainSamples);
        if (validationSamples >= all.size()) {
            throw new UsageException(
                    "--validation-samples "
                            + validationSamples
                            + " leaves nothing to train on: "
                            + data.id()
                            + " has "
                            + all.size()
                            + " training images here");
        }
        int cut = all.size() - validationSamples;
        LabelledImages train = range(all, 0, cut, "train");
        LabelledImages validation = range(all, cut, all.size(), "validation");
        LabelledImages test = data.load(Datasets.Split.TEST).head(testSamples);
        return new Splits(
                data.id(), train, validation, HeldOutSet.of(validation), HeldOutSet.of(test));
    }

    int testSize() {
        return testSet.size();
    }

    private static LabelledImages range(LabelledImages d, int from, int to, String part) {
        int per = d.shape().size();
        return new LabelledImages(
                d.name() + "/" + part,
                d.shape(),
                d.classes(),
                Arrays.copyOfRange(d.pixels(), from * per, to * per),
                Arrays.copyOfRange(d.labels(), from, to));
    }
}
