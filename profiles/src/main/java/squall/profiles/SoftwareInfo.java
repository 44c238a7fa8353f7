package squall.profiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Versions a profile ran with (device drivers are in each {@link DeviceInfo}'s properties).
 *
 * @param jdk    {@code java.runtime.version}
 * @param vm     the VM's name and vendor
 * @param squall squall's version from the jar manifest, {@code development build} outside a jar
 * @param git    the commit of the working tree ({@code abc1234}, {@code +dirty} if changed), or {@code null}; where
 *               there is no repository (a GPU bundle), the {@code squall.git} property its builder recorded
 */
public record SoftwareInfo(String jdk, String vm, String squall, String git) {

    public static SoftwareInfo detect(Path root) {
        String version = SoftwareInfo.class.getPackage().getImplementationVersion();
        return new SoftwareInfo(System.getProperty("java.runtime.version"),
                System.getProperty("java.vm.name") + " (" + System.getProperty("java.vm.vendor") + ")",
                version == null ? "development build" : version, commit(root));
    }

    private static String commit(Path root) {
        String fromRepository = gitCommit(root);
        if (fromRepository != null) {
            return fromRepository;
        }
        String recorded = System.getProperty("squall.git");
        return recorded == null || recorded.isBlank() ? null : recorded.strip();
    }

    private static String gitCommit(Path root) {
        String commit = git(root, "rev-parse", "--short", "HEAD");
        if (commit == null || commit.isBlank()) {
            return null;
        }
        String changes = git(root, "status", "--porcelain", "--untracked-files=no");
        return commit.strip() + (changes != null && !changes.isBlank() ? "+dirty" : "");
    }

    private static String git(Path root, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = root.toString();
        System.arraycopy(args, 0, command, 3, args.length);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
