package squall.tasks.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import squall.runtime.KernelTarget;
import squall.tasks.AttentionVariant;
import squall.tasks.KvDtype;
import squall.tasks.WorkGroupDecode;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Option values for enums, written and listed in lower case ({@code gather}, {@code fp16}, {@code opencl}):
 * picocli's own enum conversion names the constants in upper case in its error message.
 */
final class LowerCaseEnums {

    private LowerCaseEnums() {
    }

    private abstract static class Converter<E extends Enum<E>> implements ITypeConverter<E> {
        private final List<E> constants;

        Converter(Class<E> type) {
            this(List.of(type.getEnumConstants()));
        }

        /** Takes only {@code constants}, and lists only them. */
        Converter(List<E> constants) {
            this.constants = constants;
        }

        @Override
        public E convert(String value) {
            for (E constant : constants) {
                if (constant.name().equalsIgnoreCase(value.strip())) {
                    return constant;
                }
            }
            throw new TypeConversionException("'" + value + "' is not one of " + constants.stream()
                    .map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
        }
    }

    /** The variants of {@code squall attend}, an attention call: broadcast, gather, repeat. */
    static final class CallVariantConverter extends Converter<AttentionVariant> {
        CallVariantConverter() {
            super(AttentionVariant.forCalls());
        }
    }

    static final class DtypeConverter extends Converter<KvDtype> {
        DtypeConverter() {
            super(KvDtype.class);
        }
    }

    static final class TargetConverter extends Converter<KernelTarget> {
        TargetConverter() {
            super(KernelTarget.class);
        }
    }

    /** The variants of a decode or prefill step: all of them. */
    static final class VariantConverter extends Converter<AttentionVariant> {
        VariantConverter() {
            super(AttentionVariant.class);
        }
    }

    static final class LayoutConverter extends Converter<WorkGroupDecode.Layout> {
        LayoutConverter() {
            super(WorkGroupDecode.Layout.class);
        }
    }
}
