package squall.compiler;

import com.sun.source.tree.Tree;

/** Operator spellings shared by Java, OpenCL C and CUDA C. */
final class Operators {

    private Operators() {
    }

    static String symbol(Tree.Kind kind) {
        return switch (kind) {
            case PLUS, UNARY_PLUS -> "+";
            case PLUS_ASSIGNMENT -> "+=";
            case MINUS, UNARY_MINUS -> "-";
            case MINUS_ASSIGNMENT -> "-=";
            case MULTIPLY -> "*";
            case MULTIPLY_ASSIGNMENT -> "*=";
            case DIVIDE -> "/";
            case DIVIDE_ASSIGNMENT -> "/=";
            case REMAINDER -> "%";
            case REMAINDER_ASSIGNMENT -> "%=";
            case LEFT_SHIFT -> "<<";
            case LEFT_SHIFT_ASSIGNMENT -> "<<=";
            case RIGHT_SHIFT -> ">>";
            case RIGHT_SHIFT_ASSIGNMENT -> ">>=";
            case UNSIGNED_RIGHT_SHIFT -> ">>>";
            case UNSIGNED_RIGHT_SHIFT_ASSIGNMENT -> ">>>=";
            case LESS_THAN -> "<";
            case GREATER_THAN -> ">";
            case LESS_THAN_EQUAL -> "<=";
            case GREATER_THAN_EQUAL -> ">=";
            case EQUAL_TO -> "==";
            case NOT_EQUAL_TO -> "!=";
            case AND -> "&";
            case AND_ASSIGNMENT -> "&=";
            case OR -> "|";
            case OR_ASSIGNMENT -> "|=";
            case XOR -> "^";
            case XOR_ASSIGNMENT -> "^=";
            case CONDITIONAL_AND -> "&&";
            case CONDITIONAL_OR -> "||";
            case LOGICAL_COMPLEMENT -> "!";
            case BITWISE_COMPLEMENT -> "~";
            default -> throw new IllegalArgumentException("not an operator: " + kind);
        };
    }
}
