package squall.profiles;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGUtils;
import squall.runtime.AtomicFile;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The report's charts, each as PNG and SVG: decode time per step against context, achieved share of
 * each device's peak (its read bandwidth; a copy bandwidth in older profiles), and GQA against MHA and MQA. A chart without data is left out.
 */
final class Charts {

    static {
        // Charts are drawn into images and files, never on a screen.
        System.setProperty("java.awt.headless", "true");
        // ImageIO's file cache registers a shutdown hook per stream, which fails while the JVM shuts down:
        // the partial report of an interrupted run is written from a shutdown hook.
        ImageIO.setUseCache(false);
    }

    static final String TIME_VS_CONTEXT = "time-vs-context";
    static final String PERCENT_OF_PEAK = "percent-of-peak";
    static final String ATTENTION_KINDS = "gqa-mha-mqa";
    static final List<String> NAMES = List.of(TIME_VS_CONTEXT, PERCENT_OF_PEAK, ATTENTION_KINDS);
    /** Tableau's ten colours: distinct on white, and in print. */
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf)};
    static final int WIDTH = 960;
    static final int HEIGHT = 560;

    private Charts() {
    }

    static String title(String chart) {
        return switch (chart) {
            case TIME_VS_CONTEXT -> "Decode time per step against context";
            case PERCENT_OF_PEAK -> "Decode bandwidth as a share of each device's peak";
            case ATTENTION_KINDS -> "GQA against MHA and MQA";
            default -> chart;
        };
    }

    /** Every chart that has data, by name. */
    static Map<String, JFreeChart> of(ProfileData data) {
        Map<String, JFreeChart> charts = new LinkedHashMap<>();
        charts.put(TIME_VS_CONTEXT, timeVsContext(data));
        charts.put(PERCENT_OF_PEAK, percentOfPeak(data));
        charts.put(ATTENTION_KINDS, attentionKinds(data));
        charts.values().removeIf(Objects::isNull);
        return charts;
    }

    /** Writes each chart as {@code <name>.png} and {@code <name>.svg}. */
    static void write(Map<String, JFreeChart> charts, Path dir) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, JFreeChart> e : charts.entrySet()) {
                save(e.getValue(), dir, e.getKey());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write charts to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void save(JFreeChart chart, Path dir, String name) throws IOException {
        AtomicFile.write(dir.resolve(name + ".png"), temp -> ChartUtils.saveChartAsPNG(temp.toFile(), chart, WIDTH, HEIGHT));
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
        chart.draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
        AtomicFile.write(dir.resolve(name + ".svg"), temp -> SVGUtils.writeToSVG(temp.toFile(), g.getSVGElement()));
    }

    /** ms/step against context, one line per device and variant, for the model as it is; log-log. */
    static JFreeChart timeVsContext(ProfileData data) {
        Map<String, XYSeries> lines = new LinkedHashMap<>();
        for (Measurement m : Report.okDecode(data, false)) {
            lines.computeIfAbsent(m.device() + " " + m.variant(), XYSeries::new)
                    .add(m.workload().context(), m.summary().msPerStep());
        }
        if (lines.isEmpty()) {
            return null;
        }
        XYSeriesCollection dataset = new XYSeriesCollection();
        lines.values().forEach(dataset::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(title(TIME_VS_CONTEXT) + " (" + data.options().model() + ")",
                "context (tokens)", "ms per step", dataset, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        // Contexts are powers of two or near them: a tick per power of two, labelled with the number itself.
        LogAxis x = new LogAxis("context (tokens, log scale)");
        x.setBase(2);
        x.setSmallestValue(1);
        x.setAutoTickUnitSelection(false);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new DecimalFormat("0"));
        plot.setDomainAxis(x);
        plot.setRangeAxis(msAxis(dataset.getRangeLowerBound(false), dataset.getRangeUpperBound(false)));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < dataset.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return chart;
    }

    /** Bars of % of peak per device and variant, one per context; only devices whose peak is known. */
    static JFreeChart percentOfPeak(ProfileData data) {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        for (Measurement m : Report.okDecode(data, false)) {
            if (!Double.isNaN(m.percentOfPeak())) {
                dataset.addValue(m.percentOfPeak(), "context " + m.workload().context(), m.device() + " " + m.variant());
            }
        }
        if (dataset.getRowCount() == 0) {
            return null;
        }
        JFreeChart chart = ChartFactory.createBarChart(title(PERCENT_OF_PEAK), "device and variant",
                "% of " + Report.peakName(data), dataset, PlotOrientation.VERTICAL, true, false, false);
        return categoryStyle(chart);
    }

    /** Bars of ms/step for MHA, GQA and MQA per device and variant, at the context the forced workloads ran. */
    static JFreeChart attentionKinds(ProfileData data) {
        List<Measurement> forced = Report.okDecode(data, true);
        if (forced.isEmpty()) {
            return null;
        }
        int context = forced.getFirst().workload().context();
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        for (String kind : List.of("MHA", "GQA", "MQA")) {
            for (Measurement m : Report.okDecode(data)) {
                if (m.workload().context() == context && m.workload().attention().name().equals(kind)) {
                    dataset.addValue(m.summary().msPerStep(), kind, m.device() + " " + m.variant());
                }
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(title(ATTENTION_KINDS) + ", decode at context " + context,
                "device and variant", "ms per step", dataset, PlotOrientation.VERTICAL, true, false, false);
        // The repeat (repeat_kv) bars are many times the others: on a linear axis they would flatten the rest.
        double lowest = Double.POSITIVE_INFINITY, highest = 0;
        for (int r = 0; r < dataset.getRowCount(); r++) {
            for (int c = 0; c < dataset.getColumnCount(); c++) {
                Number v = dataset.getValue(r, c);
                if (v != null && v.doubleValue() > 0) {
                    lowest = Math.min(lowest, v.doubleValue());
                    highest = Math.max(highest, v.doubleValue());
                }
            }
        }
        categoryStyle(chart);
        if (highest > 0) {
            chart.getCategoryPlot().setRangeAxis(msAxis(lowest, highest));
        }
        return chart;
    }

    /**
     * A log axis of ms from {@code lowest} to {@code highest}, a tick per power of two (or per two powers over a wide
     * range): 1, 2, 4, 8 ms read better than 10^0.3, and bars a hundred times apart both stay readable.
     */
    static LogAxis msAxis(double lowest, double highest) {
        LogAxis y = new LogAxis("ms per step (log scale)");
        y.setBase(2);
        y.setSmallestValue(1e-3);
        double octaves = Math.log(highest / lowest) / Math.log(2);
        y.setAutoTickUnitSelection(false);
        y.setTickUnit(new NumberTickUnit(octaves > 14 ? 2 : 1));
        y.setNumberFormatOverride(new DecimalFormat("0.###"));
        // From the power of two below the lowest value to the one above the highest: data within one octave
        // (a single context, a quick run) would otherwise get an axis with no tick at all.
        double bottom = Math.pow(2, Math.floor(Math.log(lowest) / Math.log(2)));
        double top = Math.pow(2, Math.ceil(Math.log(highest) / Math.log(2)));
        y.setRange(bottom, top > bottom ? top : 2 * bottom);
        return y;
    }

    private static JFreeChart categoryStyle(JFreeChart chart) {
        style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        for (int i = 0; i < plot.getDataset().getRowCount(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        return chart;
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
    }
}
