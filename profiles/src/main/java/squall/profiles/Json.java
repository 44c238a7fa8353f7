package squall.profiles;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

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

    /** A temporary file is private to its owner; a results file is for everyone to read. */
    private static void readableByAll(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException notPosix) {
            // other file systems keep their defaults
        }
    }

    /** Writes {@code data} to {@code file}, replacing it only once the new version is complete. */
    static void write(ProfileData data, Path file) {
        try {
            Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".profile", ".json.tmp");
            try {
                readableByAll(temp);
                MAPPER.writeValue(temp.toFile(), data);
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
