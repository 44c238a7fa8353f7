package squall.tasks.cli;

import picocli.CommandLine.Option;
import squall.kernels.AttentionOptions;

import java.nio.file.Path;

/**
 * The attention options {@code squall attend}, {@code decode} and {@code prefill} share: {@code --window},
 * {@code --softcap}, {@code --alibi} or {@code --alibi-slopes}, {@code --sinks}, each checked and named when wrong.
 */
final class AttentionFlags {

    @Option(names = "--window", paramLabel = "<keys>",
            description = "Sliding window: query i sees only the last W positions up to its own, j > p - W (needs --causal when Tq > 1).")
    Integer window;

    @Option(names = "--softcap", paramLabel = "<C>", description = "Soft-cap the scores, s = C tanh(s / C), before ALiBi and masks.")
    Float softcap;

    @Option(names = "--alibi", description = {"ALiBi biases, s -= slope[h] (p - j), with the ALiBi paper's slopes for Hq"
            + " heads: 2^(-8 (h + 1) / Hq), and its rule for head counts that are not powers of two."})
    boolean alibi;

    @Option(names = "--alibi-slopes", paramLabel = "<slopes.npy>", description = "ALiBi biases with these slopes, float32 [Hq].")
    Path alibiSlopes;

    @Option(names = "--sinks", paramLabel = "<sinks.npy>",
            description = "Attention sinks, float32 [Hq]: one logit per query head that every row's softmax sees and that carries no value.")
    Path sinks;

    /** Whether any of the flags was given. */
    boolean any() {
        return window != null || softcap != null || alibi || alibiSlopes != null || sinks != null;
    }

    /** The option that set the ALiBi slopes, for messages. */
    String alibiOption() {
        return alibi ? "--alibi" : "--alibi-slopes";
    }

    /**
     * {@code base} with every feature these flags give replaced by the flag's value, for {@code Hq} query heads:
     * a flag left out keeps {@code base}'s (a model preset's) value.
     */
    AttentionOptions over(AttentionOptions base, int Hq) {
        AttentionOptions o = base;
        if (window != null) {
            if (window < 1) {
                throw new BadInputException("--window", "must be >= 1 key (the query's own position), got " + window);
            }
            o = o.withWindow(window);
        }
        if (softcap != null) {
            if (!(softcap > 0) || !Float.isFinite(softcap)) {
                throw new BadInputException("--softcap", "must be a finite number > 0, got " + softcap);
            }
            o = o.withSoftcap(softcap);
        }
        if (alibi && alibiSlopes != null) {
            throw new BadInputException("--alibi-slopes", "give --alibi (the paper's slopes for Hq = " + Hq
                    + " heads) or --alibi-slopes (your own), not both");
        }
        if (alibi) {
            o = o.withAlibiSlopes(AttentionOptions.alibiSlopes(Hq));
        } else if (alibiSlopes != null) {
            o = o.withAlibiSlopes(AttendInputs.perHead("--alibi-slopes", alibiSlopes, Hq, "slope"));
        }
        if (sinks != null) {
            o = o.withSinks(AttendInputs.perHead("--sinks", sinks, Hq, "sink logit"));
        }
        return o;
    }
}
