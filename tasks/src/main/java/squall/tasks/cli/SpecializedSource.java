package squall.tasks.cli;

import squall.runtime.KernelDescriptor;
import squall.runtime.KernelParam;
import squall.runtime.KernelTarget;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A kernel's generated C source with some {@code @Specialize} values put in, as the device compiles it: a device
 * gets each value as {@code -D SQUALL_<name>=<value>}, so every {@code SQUALL_<name>} in the source is that number.
 * The first lines say which values were put in and which are still to be defined.
 *
 * <pre>{@code
 * String c = SpecializedSource.of(kernel.source(KernelTarget.OPENCL), kernel, new TreeMap<>(Map.of("N", 64)), KernelTarget.OPENCL);
 * }</pre>
 */
final class SpecializedSource {

    /** The generated header line that lists the names to define; replaced by what is and is not defined yet. */
    private static final Pattern TO_DEFINE = Pattern.compile("(?m)^// Specialised when the task graph is built.*$");
    /** How devices name a {@code @Specialize} parameter in the C source (and in their {@code -D} options). */

    private SpecializedSource() {
    }

    static String of(String source, KernelDescriptor kernel, SortedMap<String, Integer> values, KernelTarget target) {
        if (values.isEmpty()) {
            return source;
        }
        String given = values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
        if (target == KernelTarget.JAVA) {
            return "// The JVM variant takes @Specialize values as arguments: " + given + " are passed to it, not compiled in.\n"
                    + source;
        }
        List<String> missing = kernel.params().stream().filter(KernelParam::specialized).map(KernelParam::name)
                .filter(n -> !values.containsKey(n)).map(KernelDescriptor::define).toList();
        String flags = values.entrySet().stream().map(e -> "-D " + KernelDescriptor.define(e.getKey()) + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        String header = "// Specialised for " + given + " (the device compiles this source with " + flags + ")"
                + (missing.isEmpty() ? "" : "\n// Still to be defined (-D NAME=value): " + String.join(", ", missing));
        Matcher line = TO_DEFINE.matcher(source);
        String text = line.find() ? source.substring(0, line.start()) + "\u0000" + source.substring(line.end()) : source;
        for (Map.Entry<String, Integer> e : values.entrySet()) {
            String value = e.getValue() < 0 ? "(" + e.getValue() + ")" : e.getValue().toString(); // a - -1, never a --1
            text = text.replaceAll("\\b" + Pattern.quote(KernelDescriptor.define(e.getKey())) + "\\b", Matcher.quoteReplacement(value));
        }
        return text.contains("\u0000") ? text.replace("\u0000", header) : header + "\n" + text;
    }
}
