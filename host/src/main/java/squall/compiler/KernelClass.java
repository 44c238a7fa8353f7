package squall.compiler;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernels of one top-level class, read and checked from its syntax tree. The processor reads
 * a class twice: once during annotation processing (untyped trees, to generate the JVM variants)
 * and once after javac has attributed it (typed trees, for the C back ends).
 */
final class KernelClass {

    final TypeElement owner;
    final TreePath classPath;
    final CompilationUnitTree unit;
    final Map<String, KernelModel> kernels = new LinkedHashMap<>();
    final Map<String, TreePath> kernelPaths = new LinkedHashMap<>();
    /** Static methods of every class in the compilation: kernels may call helpers of any of them. */
    final HelperIndex helpers;
    /** Kernels that broke a rule; nothing is generated for them. */
    final Set<String> rejected = new LinkedHashSet<>();

    private KernelClass(TypeElement owner, TreePath classPath, HelperIndex helpers) {
        this.owner = owner;
        this.helpers = helpers;
        this.classPath = classPath;
        this.unit = classPath.getCompilationUnit();
    }

    /**
     * Reads the {@code @Kernel} methods of {@code owner}.
     *
     * @param report whether to report structural problems (the second reading stays quiet: the
     *               first one has reported them)
     */
    static KernelClass read(TypeElement owner, Trees trees, boolean report, HelperIndex helpers) {
        KernelClass k = new KernelClass(owner, trees.getPath(owner), helpers);
        k.readKernels(trees, report);
        return k;
    }

    String simpleName() {
        return owner.getSimpleName().toString();
    }

    String packageName() {
        String qualified = owner.getQualifiedName().toString();
        int dot = qualified.lastIndexOf('.');
        return dot < 0 ? "" : qualified.substring(0, dot);
    }

    /** The generated library's simple name. */
    String libraryName() {
        return simpleName() + "Compiled";
    }

    private void readKernels(Trees trees, boolean report) {
        ClassTree classTree = (ClassTree) classPath.getLeaf();
        Set<String> privateStatics = new HashSet<>();
        Map<String, ExecutableElement> kernelElements = new LinkedHashMap<>();
        for (Element member : owner.getEnclosedElements()) {
            if (member.getModifiers().contains(Modifier.PRIVATE)) {
                privateStatics.add(member.getSimpleName().toString());
            }
            if (member.getKind() == ElementKind.METHOD && isKernel(member)) {
                kernelElements.put(member.getSimpleName().toString(), (ExecutableElement) member);
            }
        }
        for (Tree member : classTree.getMembers()) {
            if (!(member instanceof MethodTree method)) {
                continue;
            }
            String name = method.getName().toString();
            ExecutableElement element = kernelElements.get(name);
            if (element == null || !Names.hasAnnotation(method.getModifiers(), Names.KERNEL)) {
                continue;
            }
            Problems problems = report ? new Problems(trees, unit, owner.getSimpleName() + "." + name)
                    : Problems.silent(trees, unit);
            if (kernels.containsKey(name)) {
                problems.error(method, "kernel names must be unique in a class; '" + name + "' is overloaded");
                rejected.add(name);
                continue;
            }
            int before = problems.count();
            checkSignature(element, method, problems);
            KernelModel model = KernelModel.read(element, method, problems, helpers);
            checkSyntax(model, problems, privateStatics);
            kernels.put(name, model);
            kernelPaths.put(name, new TreePath(classPath, method));
            if (problems.count() > before) {
                rejected.add(name);
            }
        }
    }

    static boolean isKernel(Element e) {
        return e.getAnnotationMirrors().stream()
                .anyMatch(a -> a.getAnnotationType().toString().equals(Names.KERNEL));
    }

    private void checkSignature(ExecutableElement element, MethodTree method, Problems problems) {
        if (!element.getModifiers().contains(Modifier.STATIC)) {
            problems.error(method, "kernels must be static methods");
        }
        if (element.getModifiers().contains(Modifier.PRIVATE)) {
            problems.error(method, "kernels must not be private: the generated launcher calls them");
        }
        if (element.getReturnType().getKind() != TypeKind.VOID) {
            problems.error(method, "kernels return void; write results into an array parameter");
        }
        if (owner.getNestingKind() != NestingKind.TOP_LEVEL) {
            problems.error(method, "kernels must be declared in a top-level class");
        } else if (packageName().isEmpty()) {
            problems.error(method, "kernel classes must be in a named package (start the file with a line such as"
                    + " 'package mykernels;'): the generated " + libraryName() + " imports their static members, and Java"
                    + " cannot import from the unnamed package");
        }
        if (!element.getTypeParameters().isEmpty()) {
            problems.error(method, "kernels cannot be generic");
        }
    }

    /** The syntax rules over the kernel and every helper it can reach by name. */
    private void checkSyntax(KernelModel model, Problems problems, Set<String> privateStatics) {
        Set<String> specialized = new HashSet<>();
        Set<String> otherParams = new HashSet<>();
        for (KernelModel.Param p : model.params) {
            (p.specialized() ? specialized : otherParams).add(p.name());
        }
        otherParams.addAll(localNames(model.method));
        SyntaxRules.check(model.method, problems, specialized, otherParams);
        BarrierRules.check(model, problems);
        rejectPrivateMembers(model.method, problems, privateStatics);
        String self = owner.getQualifiedName().toString();
        for (MethodTree helper : helpers.reachableFrom(model.method)) {
            Set<String> helperNames = new HashSet<>(localNames(helper));
            helper.getParameters().forEach(p -> helperNames.add(p.getName().toString()));
            SyntaxRules.check(helper, problems.in(helpers.unitOf(helper)), Set.of(), helperNames);
            if (self.equals(helpers.ownerOf(helper))) {
                // Only code of the kernel's own class is copied into the JVM variant; other classes' helpers
                // run as themselves there, so their private members are theirs to use.
                rejectPrivateMembers(helper, problems, privateStatics);
            }
        }
    }

    private static Set<String> localNames(MethodTree method) {
        Set<String> names = new HashSet<>();
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitVariable(VariableTree node, Void unused) {
                names.add(node.getName().toString());
                return super.visitVariable(node, unused);
            }
        }.scan(method.getBody(), null);
        return names;
    }

    /** The JVM variant lives in another class, so what the kernel names must not be private. */
    private static void rejectPrivateMembers(MethodTree method, Problems problems, Set<String> privateStatics) {
        Set<String> locals = localNames(method);
        method.getParameters().forEach(p -> locals.add(p.getName().toString()));
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitIdentifier(IdentifierTree node, Void unused) {
                String name = node.getName().toString();
                if (privateStatics.contains(name) && !locals.contains(name)) {
                    problems.error(node, "'" + name + "' is private; kernels may use package-private or public"
                            + " members only, because the generated JVM variant lives in another class");
                }
                return null;
            }
        }.scan(method.getBody(), null);
    }

    /** Kernels that passed every structural rule, in declaration order. */
    List<KernelModel> accepted() {
        List<KernelModel> result = new ArrayList<>();
        kernels.forEach((name, model) -> {
            if (!rejected.contains(name)) {
                result.add(model);
            }
        });
        return result;
    }
}
