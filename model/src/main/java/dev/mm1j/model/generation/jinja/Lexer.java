package dev.mm1j.model.generation.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens the way Jinja2 does with Hugging Face's settings ({@code trim_blocks=True,
 * lstrip_blocks=True}, {@code keep_trailing_newline=False}):
 * <ul>
 *   <li>newlines are normalised to {@code \n} and one trailing newline is dropped;</li>
 *   <li>{@code {%-}, {@code {{-}, {@code {#-} strip all whitespace before the tag; {@code -%}}, {@code -}}}, {@code -#}}
 *       all whitespace after it;</li>
 *   <li>lstrip_blocks: spaces and tabs between the start of a line and a {@code {%} or {@code {#} tag are removed
 *       (not before {@code {{}, not with {@code {%+});</li>
 *   <li>trim_blocks: the first newline after {@code %}} or {@code #}} is removed (not after {@code +%}});</li>
 *   <li>{@code {% raw %}...{% endraw %}} is literal text; comments vanish.</li>
 * </ul>
 * Inside tags: names, numbers (with {@code _} separators), strings with Python escapes, operators; a closing
 * {@code }}} or {@code %}} only counts outside brackets.
 */
final class Lexer {
    private static final String[] OPERATORS = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">",
        "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", ";"};
    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*([-+]?)%}");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");
    private static final Pattern NUMBER = Pattern.compile(
        "(?:\\d+_)*\\d+(?:(?:\\.(?:\\d+_)*\\d+)?[eE][+-]?(?:\\d+_)*\\d+|\\.(?:\\d+_)*\\d+)?");

    private final String src;
    private final List<Token> out = new ArrayList<>();
    private final int[] lineStarts;
    private int pos;
    /** Whether the text about to be read starts a line (Jinja's {@code line_starting}, for lstrip_blocks). */
    private boolean lineStarting = true;

    private Lexer(String src) {
        this.src = src;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < src.length(); i++) if (src.charAt(i) == '\n') starts.add(i + 1);
        lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<Token> tokenize(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        Lexer lx = new Lexer(s);
        lx.run();
        return lx.out;
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTag(pos);
            String text = src.substring(pos, tag < 0 ? src.length() : tag);
            int textStart = pos;
            if (tag < 0) {
                emitText(text, textStart);
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
            Matcher raw = RAW_BEGIN.matcher(src).region(tag, src.length());
            boolean isRaw = kind == '%' && raw.lookingAt();
            if (isRaw) sign = raw.group(1).isEmpty() ? 0 : raw.group(1).charAt(0);
            text = stripBefore(text, kind, sign);
            emitText(text, textStart);
            if (isRaw) readRaw(raw);
            else if (kind == '#') readComment(tag);
            else readTag(tag, kind);
        }
        out.add(new Token(Token.Type.EOF, "", line(src.length()), column(src.length())));
    }

    /** The next {@code {{}, {@code {%} or {@code {#} at or after {@code from}, or -1. */
    private int nextTag(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    /** Whitespace control on the text before a tag: {@code -} strips it, lstrip_blocks trims the tag's line. */
    private String stripBefore(String text, char kind, char sign) {
        if (sign == '-') return PyText.strip(text, null, false, true);
        if (sign == '+' || kind == '{') return text;
        int lpos = text.lastIndexOf('\n') + 1;
        if (lpos > 0 || lineStarting) {
            String tail = text.substring(lpos);
            if (!tail.isEmpty() && tail.chars().allMatch(PyText::isSpace)) return text.substring(0, lpos);
        }
        return text;
    }

    private void emitText(String text, int at) {
        if (!text.isEmpty()) out.add(new Token(Token.Type.TEXT, text, line(at), column(at)));
    }

    /** After a block or comment end: {@code -} eats all whitespace, otherwise trim_blocks eats one newline. */
    private void afterBlockEnd(int end, char sign) {
        pos = end;
        if (sign == '-') {
            while (pos < src.length() && PyText.isSpace(src.charAt(pos))) pos++;
        } else if (sign != '+' && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
        lineStarting = pos > 0 && src.charAt(pos - 1) == '\n';
    }

    private void readComment(int tag) {
        int end = src.indexOf("#}", tag + 2);
        if (end < 0) throw JinjaException.syntax(line(tag), column(tag), "comment '{#' is never closed with '#}'");
        char sign = end > tag + 2 ? src.charAt(end - 1) : 0;
        afterBlockEnd(end + 2, sign == '-' || sign == '+' ? sign : 0);
    }

    private void readRaw(Matcher begin) {
        int contentStart = begin.end();
        if ("-".equals(begin.group(2))) {
            while (contentStart < src.length() && PyText.isSpace(src.charAt(contentStart))) contentStart++;
        }
        Matcher end = RAW_END.matcher(src);
        if (!end.find(contentStart)) {
            throw JinjaException.syntax(line(begin.start()), column(begin.start()), "'raw' block is never closed with '{% endraw %}'");
        }
        String content = src.substring(contentStart, end.start());
        if ("-".equals(end.group(1))) content = PyText.strip(content, null, false, true);
        emitText(content, contentStart);
        String sign = end.group(2);
        afterBlockEnd(end.end(), sign.isEmpty() ? 0 : sign.charAt(0));
    }

    /** A {@code {{ ... }}} or {@code {% ... %}} tag: its begin token, the expression tokens, its end token. */
    private void readTag(int tag, char kind) {
        boolean block = kind == '%';
        out.add(new Token(block ? Token.Type.BLOCK_BEGIN : Token.Type.VAR_BEGIN, block ? "{%" : "{{", line(tag), column(tag)));
        pos = tag + 2;
        if (pos < src.length() && (src.charAt(pos) == '-' || src.charAt(pos) == '+')) pos++;
        List<Character> brackets = new ArrayList<>();
        String close = block ? "%}" : "}}";
        while (true) {
            if (pos >= src.length()) {
                throw JinjaException.syntax(line(tag), column(tag), "tag '" + (block ? "{%" : "{{") + "' is never closed with '" + close + "'");
            }
            if (brackets.isEmpty()) {
                char c = src.charAt(pos);
                boolean signed = (c == '-' || (block && c == '+')) && src.startsWith(close, pos + 1);
                if (signed || src.startsWith(close, pos)) {
                    int at = pos;
                    int end = pos + (signed ? 1 : 0) + 2;
                    out.add(new Token(block ? Token.Type.BLOCK_END : Token.Type.VAR_END, close, line(at), column(at)));
                    if (block) {
                        afterBlockEnd(end, signed ? c : 0);
                    } else {
                        pos = end;
                        if (signed) while (pos < src.length() && PyText.isSpace(src.charAt(pos))) pos++;
                        lineStarting = src.charAt(pos - 1) == '\n';
                    }
                    return;
                }
            }
            readExpressionToken(brackets);
        }
    }

    private void readExpressionToken(List<Character> brackets) {
        char c = src.charAt(pos);
        if (Character.isWhitespace(c)) {
            pos++;
            return;
        }
        int at = pos;
        if (Character.isDigit(c)) {
            Matcher m = NUMBER.matcher(src).region(pos, src.length());
            m.lookingAt();
            String num = m.group();
            boolean afterDot = !out.isEmpty() && out.getLast().isOp(".");
            if (afterDot) num = num.replaceAll("[.eE].*", ""); // x.0.1 is two attribute lookups
            boolean isFloat = num.indexOf('.') >= 0 || num.indexOf('e') >= 0 || num.indexOf('E') >= 0;
            pos += num.length();
            out.add(new Token(isFloat ? Token.Type.FLOAT : Token.Type.INTEGER, num.replace("_", ""), line(at), column(at)));
            return;
        }
        if (Character.isLetter(c) || c == '_') {
            int end = pos + 1;
            while (end < src.length() && (Character.isLetterOrDigit(src.charAt(end)) || src.charAt(end) == '_')) end++;
            out.add(new Token(Token.Type.NAME, src.substring(pos, end), line(at), column(at)));
            pos = end;
            return;
        }
        if (c == '\'' || c == '"') {
            out.add(new Token(Token.Type.STRING, readString(c), line(at), column(at)));
            return;
        }
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                pos += op.length();
                switch (op) {
                    case "(", "[", "{" -> brackets.add(op.charAt(0));
                    case ")", "]", "}" -> {
                        char open = op.equals(")") ? '(' : op.equals("]") ? '[' : '{';
                        if (brackets.isEmpty() || brackets.getLast() != open) {
                            throw JinjaException.syntax(line(at), column(at), "unexpected '" + op + "'");
                        }
                        brackets.removeLast();
                    }
                    default -> { }
                }
                out.add(new Token(Token.Type.OPERATOR, op, line(at), column(at)));
                return;
            }
        }
        throw JinjaException.syntax(line(at), column(at), "unexpected character '" + c + "'");
    }

    /** A quoted string with Python's escapes ({@code \n \t \\ \' \xhh \\uXXXX}, octal; unknown escapes kept). */
    private String readString(char quote) {
        int start = pos;
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= src.length()) throw JinjaException.syntax(line(start), column(start), "string is never closed");
            char c = src.charAt(pos++);
            if (c == quote) return sb.toString();
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= src.length()) throw JinjaException.syntax(line(start), column(start), "string is never closed");
            char e = src.charAt(pos++);
            switch (e) {
                case '\n' -> { }
                case '\\', '\'', '"' -> sb.append(e);
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case 'x' -> sb.appendCodePoint(hex(2, start));
                case 'u' -> sb.appendCodePoint(hex(4, start));
                case 'U' -> sb.appendCodePoint(hex(8, start));
                case 'N' -> throw JinjaException.unsupported(line(pos - 2), column(pos - 2), "named escape '\\N{...}' in a string");
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; k++) {
                            v = v * 8 + (src.charAt(pos++) - '0');
                        }
                        sb.append((char) v);
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
    }

    private int hex(int digits, int stringStart) {
        if (pos + digits > src.length()) throw JinjaException.syntax(line(stringStart), column(stringStart), "truncated \\x/\\u escape in a string");
        String h = src.substring(pos, pos + digits);
        pos += digits;
        try {
            int v = Integer.parseUnsignedInt(h, 16);
            if (!Character.isValidCodePoint(v)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException ex) {
            throw JinjaException.syntax(line(stringStart), column(stringStart), "bad escape '" + h + "' in a string");
        }
    }

    private int line(int offset) {
        int lo = 0, hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= offset) lo = mid;
            else hi = mid - 1;
        }
        return lo + 1;
    }

    private int column(int offset) {
        return offset - lineStarts[line(offset) - 1] + 1;
    }
}
