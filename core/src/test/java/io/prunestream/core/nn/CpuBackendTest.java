package io.prunestream.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import org.deeplearning4j.config.DL4JClassLoading;
import org.junit.jupiter.api.Test;
import org.nd4j.common.config.ND4JClassLoading;

class CpuBackendTest {

    /**
     * ND4J and DL4J take the class loader they look classes up with from the first thread that uses
     * them: on a Flink TaskManager with ND4J in lib/, a job's user-code class loader, which Flink
     * closes when the job leaves (FirstDeployITCase runs that case). configure() puts them back on
     * the loader that loaded ND4J.
     */
    @Test
    void nd4jAndDl4jLookClassesUpWhereNd4jIs() throws Exception {
        ClassLoader nd4j = ND4JClassLoading.class.getClassLoader();
        try (URLClassLoader job = new URLClassLoader(new URL[0], nd4j)) {
            ND4JClassLoading.setNd4jClassloader(job); // as after a first use under a job's loader
            DL4JClassLoading.setDl4jClassloader(job);
            CpuBackend.configure();
            assertThat(ND4JClassLoading.getNd4jClassloader()).isSameAs(nd4j);
            assertThat(DL4JClassLoading.getDl4jClassloader())
                    .isSameAs(DL4JClassLoading.class.getClassLoader());
        } finally {
            ND4JClassLoading.setNd4jClassloader(nd4j);
            DL4JClassLoading.setDl4jClassloader(DL4JClassLoading.class.getClassLoader());
        }
    }
}
