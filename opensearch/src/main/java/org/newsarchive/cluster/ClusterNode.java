package org.newsarchive.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One node of the development cluster, in its own JVM so that a node can be
 * stopped alone (opensearch/cluster.py starts three of them).
 *
 * Arguments: node number (0, 1, 2 ...), node count, home folder, HTTP base
 * port, transport base port. Node i listens on base + i, on 127.0.0.1 only.
 */
public final class ClusterNode {

    /** A node with its modules given as classes: there is no plugins folder. */
    static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment environment, List<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        int number = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        Path home = Path.of(args[2]).toAbsolutePath();
        int httpBase = Integer.parseInt(args[3]);
        int transportBase = Integer.parseInt(args[4]);

        Files.createDirectories(home.resolve("config"));
        StringBuilder seeds = new StringBuilder();
        StringBuilder managers = new StringBuilder();
        for (int i = 0; i < count; i++) {
            seeds.append(i == 0 ? "" : ",").append("127.0.0.1:").append(transportBase + i);
            managers.append(i == 0 ? "" : ",").append("node-").append(i);
        }
        Settings settings = Settings.builder()
            .put("cluster.name", "newsarchive-dev")
            .put("node.name", "node-" + number)
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", httpBase + number)
            .put("transport.port", transportBase + number)
            .put("discovery.seed_hosts", seeds.toString())
            .put("cluster.initial_cluster_manager_nodes", managers.toString())
            // Development machines are often fuller than the default
            // watermarks allow; shards must still be placed.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            // No security plugin here; loopback only.
            .put("action.destructive_requires_name", false)
            // A search of 20 prefixes, each bound to its 40 most frequent
            // words in two fields (articles/search/prefixes.py), scores 1,600
            // terms; the default allows 1,024 in a whole query.
            .put("indices.query.bool.max_clause_count", 4096)
            // The parent breaker counts the heap's real use by default: with
            // the small heaps and serial collector of a development node it
            // reads garbage as use and refused searches with 429 while an
            // import ran. Count the requests' own estimates instead.
            .put("indices.breaker.total.use_real_memory", false)
            .build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), home.resolve("config"), () -> "node-" + number);
        List<Class<? extends Plugin>> plugins = List.of(
            Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class);

        Node node = new EmbeddedNode(environment, plugins);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "node-shutdown"));
        node.start();
        System.out.println("node-" + number + " started: http 127.0.0.1:" + (httpBase + number));
        stopped.await();
    }
}
