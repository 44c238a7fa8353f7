package squall.profiles;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import squall.runtime.AtomicFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** {@code profile.json}: read, and written whole through a temporary file so it is always complete. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    static ProfileData read(Path file) {
        try {
            ProfileData data = MAPPER.readValue(file.toFile(), ProfileData.class);
            if (data.format() == null || !data.format().equals(ProfileData.FORMAT)) {
                throw new IllegalArgumentException(file + " is not a squall profile (format " + data.format()
                        + ", expected " + ProfileData.FORMAT + ")");
            }
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code data} to {@code file}, replacing it only once the new version is complete ({@link AtomicFile}). */
    static void write(ProfileData data, Path file) {
        try {
            AtomicFile.write(file, temp -> MAPPER.writeValue(temp.toFile(), data));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
