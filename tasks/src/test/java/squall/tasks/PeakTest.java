package squall.tasks;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeakTest {

    private static final LocalDate DAY = LocalDate.of(2026, 12, 1);

    @Test
    void theHigherFigureIsThePeakAndNamesItsProbe() {
        Peak host = Peak.of(10, 20, DAY);
        assertEquals(20, host.value());
        assertEquals(Peak.Source.HOST, host.setBy());
        Peak device = Peak.of(20, 10, DAY);
        assertEquals(20, device.value());
        assertEquals(Peak.Source.DEVICE, device.setBy());
        Peak gpu = Peak.of(3000, Double.NaN, DAY);
        assertEquals(3000, gpu.value());
        assertEquals(Peak.Source.DEVICE, gpu.setBy());
        assertEquals(Peak.Source.DEVICE, Peak.of(5, 5, DAY).setBy(), "a tie goes to the device");
    }

    @Test
    void theBestOfTwoMeasurementsTakesEachProbesHigherFigure() {
        Peak a = Peak.of(20, 18, DAY);
        Peak b = Peak.of(15, 24, DAY.plusDays(1));
        Peak best = a.best(b);
        assertEquals(20, best.device());
        assertEquals(24, best.host());
        assertEquals(24, best.value());
        assertEquals(Peak.Source.HOST, best.setBy());
        assertEquals(DAY.plusDays(1), best.measured());
        Peak gpu = Peak.of(3000, Double.NaN, DAY).best(Peak.of(3100, Double.NaN, DAY));
        assertEquals(3100, gpu.value());
        assertTrue(Double.isNaN(gpu.host()), gpu::toString);
    }

    @Test
    void aRememberedLineReadsBackAsThePeak() {
        Peak p = Peak.of(24.314, 26.1, DAY);
        assertEquals("26.10 set-by host device 24.31 host 26.10 measured 2026-12-01", p.line());
        Peak back = Peak.parse(p.line());
        assertEquals(26.10, back.value());
        assertEquals(Peak.Source.HOST, back.setBy());
        assertEquals(24.31, back.device());
        assertEquals(26.10, back.host());
        assertEquals(DAY, back.measured());
        Peak gpu = Peak.parse(Peak.of(3000, Double.NaN, DAY).line());
        assertTrue(Double.isNaN(gpu.host()), gpu::toString);
        assertEquals(Peak.Source.DEVICE, gpu.setBy());
    }

    @Test
    void linesOfOtherFormatsAreNotPeaks() {
        assertNull(Peak.parse("7.00 measured 2026-11-23"), "squall's old copy-bandwidth line");
        assertNull(Peak.parse("26.10 set-by cpu device 24.31 host 26.10 measured 2026-12-01"));
        assertNull(Peak.parse("26.10 set-by host device x host 26.10 measured 2026-12-01"));
        assertNull(Peak.parse("0.00 set-by host device 0.00 host 0.00 measured 2026-12-01"));
        assertNull(Peak.parse(""));
    }
}
