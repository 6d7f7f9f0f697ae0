package squall.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.storm.Config;
import org.apache.storm.LocalCluster;
import org.apache.storm.spout.SpoutOutputCollector;
import org.apache.storm.task.TopologyContext;
import org.apache.storm.topology.BasicOutputCollector;
import org.apache.storm.topology.OutputFieldsDeclarer;
import org.apache.storm.topology.TopologyBuilder;
import org.apache.storm.topology.base.BaseBasicBolt;
import org.apache.storm.topology.base.BaseRichSpout;
import org.apache.storm.tuple.Fields;
import org.apache.storm.tuple.Tuple;
import org.apache.storm.tuple.Values;

/**
 * Apache Storm side of {@code npm run bench:storm}: runs one case in a Storm {@code LocalCluster} (1 worker) and
 * prints one JSON line. Usage: {@code StormBench noack|ack SECONDS WARMUP_SECONDS} or
 * {@code StormBench tvl SECONDS WARMUP_SECONDS RATE}.
 *
 * <p>The topology is the seed's word count, the same shape as test/bench/storm-squall-side.ts: a spout emitting one
 * of four words per {@code nextTuple} (with a message id when acking) → fields grouping on "word" → a counting bolt
 * with 2 executors; acking on uses 1 acker executor, acking off 0. The message id is the emit time
 * ({@code System.nanoTime()}), so the complete latency of a tree is measured in the spout's {@code ack} the same
 * way on both sides. {@code tvl} is the ThroughputVsLatency shape: a sentence spout ×1 paced at RATE sentences/s with
 * message ids → shuffle → split ×2 → fields → count ×2, 1 acker; its tuples are acked sentence trees. CPU is the whole JVM's (all threads: executors, GC, JIT, the in-process nimbus/ZooKeeper).
 */
public final class StormBench {
  static final String[] WORDS = {"dog", "cat", "zebra", "elephant"};
  static final AtomicLong EXECUTED = new AtomicLong();
  static final AtomicLong ACKED = new AtomicLong();
  static final AtomicLong FAILED = new AtomicLong();
  static volatile boolean measuring = false;
  /** Complete latencies (ns) acked while measuring, written by the single spout executor thread only. */
  static final long[] LATENCIES = new long[4_000_000];
  static volatile int latencyCount = 0;

  /** One word per call, with the emit time as message id when tracked. */
  public static final class WordSpout extends BaseRichSpout {
    private final boolean tracked;
    private SpoutOutputCollector collector;
    private int i = 0;

    public WordSpout(boolean tracked) {
      this.tracked = tracked;
    }

    @Override
    public void open(Map<String, Object> conf, TopologyContext ctx, SpoutOutputCollector collector) {
      this.collector = collector;
    }

    @Override
    public void nextTuple() {
      String word = WORDS[i++ & 3];
      if (tracked) {
        collector.emit(new Values(word), System.nanoTime());
      } else {
        collector.emit(new Values(word));
      }
    }

    @Override
    public void ack(Object msgId) {
      ACKED.incrementAndGet();
      if (measuring) {
        int n = latencyCount;
        if (n < LATENCIES.length) {
          LATENCIES[n] = System.nanoTime() - (Long) msgId;
          latencyCount = n + 1;
        }
      }
    }

    @Override
    public void fail(Object msgId) {
      FAILED.incrementAndGet();
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer d) {
      d.declare(new Fields("word"));
    }
  }

  static final String[] SENTENCES = {
    "the cow jumped over the moon",
    "an apple a day keeps the doctor away",
    "four score and seven years ago",
    "snow white and the seven dwarfs",
    "i am at two with nature",
  };

  /** Storm's FastRandomSentenceSpout sentences at a constant rate, message id = emit time. */
  public static final class RateSpout extends BaseRichSpout {
    private final double rate;
    private SpoutOutputCollector collector;
    private long since;
    private long sent = 0;

    public RateSpout(double rate) {
      this.rate = rate;
    }

    @Override
    public void open(Map<String, Object> conf, TopologyContext ctx, SpoutOutputCollector collector) {
      this.collector = collector;
      this.since = System.nanoTime();
    }

    @Override
    public void nextTuple() {
      if (sent >= rate * (System.nanoTime() - since) / 1e9) return;
      String s = SENTENCES[(int) (sent++ % SENTENCES.length)];
      collector.emit(new Values(s), System.nanoTime());
    }

    @Override
    public void ack(Object msgId) {
      ACKED.incrementAndGet();
      if (measuring) {
        int n = latencyCount;
        if (n < LATENCIES.length) {
          LATENCIES[n] = System.nanoTime() - (Long) msgId;
          latencyCount = n + 1;
        }
      }
    }

    @Override
    public void fail(Object msgId) {
      FAILED.incrementAndGet();
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer d) {
      d.declare(new Fields("sentence"));
    }
  }

  /** Splits a sentence into words (anchored: BaseBasicBolt). */
  public static final class SplitBolt extends BaseBasicBolt {
    @Override
    public void execute(Tuple t, BasicOutputCollector out) {
      for (String w : t.getString(0).split(" ")) out.emit(new Values(w));
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer d) {
      d.declare(new Fields("word"));
    }
  }

  /** Counts words in a map, as the Squall side does ("dog" counts 10). BaseBasicBolt acks each input. */
  public static final class CountBolt extends BaseBasicBolt {
    private final HashMap<String, Long> counts = new HashMap<>();

    @Override
    public void execute(Tuple t, BasicOutputCollector out) {
      String w = t.getString(0);
      counts.merge(w, "dog".equals(w) ? 10L : 1L, Long::sum);
      EXECUTED.incrementAndGet();
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer d) {}
  }

  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static double quantileMs(long[] sorted, int n, double q) {
    if (n == 0) return Double.NaN;
    int idx = (int) Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
    return sorted[idx] / 1e6;
  }

  public static void main(String[] args) throws Exception {
    boolean tvl = args.length == 4 && args[0].equals("tvl");
    if (!tvl && (args.length != 3 || !(args[0].equals("ack") || args[0].equals("noack")))) {
      System.err.println("usage: StormBench noack|ack SECONDS WARMUP_SECONDS, or StormBench tvl SECONDS WARMUP_SECONDS RATE");
      System.exit(2);
    }
    boolean tracked = tvl || args[0].equals("ack");
    double seconds = Double.parseDouble(args[1]);
    double warmup = Double.parseDouble(args[2]);

    TopologyBuilder b = new TopologyBuilder();
    if (tvl) {
      b.setSpout("spout", new RateSpout(Double.parseDouble(args[3])), 1);
      b.setBolt("split", new SplitBolt(), 2).shuffleGrouping("spout");
      b.setBolt("count", new CountBolt(), 2).fieldsGrouping("split", new Fields("word"));
    } else {
      b.setSpout("word", new WordSpout(tracked), 1);
      b.setBolt("count", new CountBolt(), 2).fieldsGrouping("word", new Fields("word"));
    }
    Config conf = new Config();
    conf.setNumWorkers(1);
    conf.setNumAckers(tracked ? 1 : 0);

    long setupStart = System.nanoTime();
    try (LocalCluster cluster = new LocalCluster()) {
      cluster.submitTopology("bench-" + args[0], conf, b.createTopology());
      // Wait until tuples flow, then warm up.
      while (EXECUTED.get() == 0) Thread.sleep(20);
      double startupSec = (System.nanoTime() - setupStart) / 1e9;
      Thread.sleep((long) (warmup * 1000));
      long e0 = EXECUTED.get();
      long a0 = ACKED.get();
      long f0 = FAILED.get();
      long c0 = cpuNanos();
      long t0 = System.nanoTime();
      measuring = true;
      Thread.sleep((long) (seconds * 1000));
      measuring = false;
      long t1 = System.nanoTime();
      long c1 = cpuNanos();
      long e1 = EXECUTED.get();
      long a1 = ACKED.get();
      long f1 = FAILED.get();
      double elapsed = (t1 - t0) / 1e9;
      long tuples = tracked ? a1 - a0 : e1 - e0;
      int n = latencyCount;
      long[] lat = Arrays.copyOf(LATENCIES, n);
      Arrays.sort(lat);
      StringBuilder s = new StringBuilder();
      s.append("{\"system\":\"storm\",\"case\":\"").append(args[0]).append('"');
      s.append(",\"stormVersion\":\"").append(org.apache.storm.utils.VersionInfo.getVersion()).append('"');
      s.append(",\"java\":\"").append(System.getProperty("java.version")).append('"');
      s.append(",\"startupSeconds\":").append(startupSec);
      s.append(",\"seconds\":").append(elapsed);
      s.append(",\"tuples\":").append(tuples);
      s.append(",\"executed\":").append(e1 - e0);
      s.append(",\"acked\":").append(a1 - a0);
      s.append(",\"failed\":").append(f1 - f0);
      s.append(",\"tuplesPerSec\":").append(tuples / elapsed);
      s.append(",\"cpuSeconds\":").append((c1 - c0) / 1e9);
      s.append(",\"latencySamples\":").append(n);
      if (n > 0) {
        s.append(",\"p50Ms\":").append(quantileMs(lat, n, 0.5));
        s.append(",\"p99Ms\":").append(quantileMs(lat, n, 0.99));
      }
      s.append('}');
      System.out.println("STORM_BENCH_RESULT " + s);
      System.out.flush();
    }
    // LocalCluster's shutdown can leave non-daemon threads behind.
    System.exit(0);
  }
}
