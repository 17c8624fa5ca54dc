package io.prunestream.core.run;

/**
 * A model version and its network in DL4J's format without updater state ({@code model.zip}): what
 * a driver stores (a folder, a sink that commits with a checkpoint).
 */
public record Publication(ModelVersion version, byte[] model) {}
