package squall.tasks.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import squall.runtime.KernelTarget;
import squall.tasks.Attention;
import squall.tasks.CacheVariant;
import squall.tasks.KvDtype;
import squall.tasks.WorkGroupDecode;

import java.util.Arrays;
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
        private final Class<E> type;

        Converter(Class<E> type) {
            this.type = type;
        }

        @Override
        public E convert(String value) {
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equalsIgnoreCase(value.strip())) {
                    return constant;
                }
            }
            throw new TypeConversionException("'" + value + "' is not one of " + Arrays.stream(type.getEnumConstants())
                    .map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
        }
    }

    static final class VariantConverter extends Converter<Attention.Variant> {
        VariantConverter() {
            super(Attention.Variant.class);
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

    static final class CacheVariantConverter extends Converter<CacheVariant> {
        CacheVariantConverter() {
            super(CacheVariant.class);
        }
    }

    static final class LayoutConverter extends Converter<WorkGroupDecode.Layout> {
        LayoutConverter() {
            super(WorkGroupDecode.Layout.class);
        }
    }
}
