package dev.mm1j.model.generation.jinja;

/**
 * A rendering error not yet tied to a place in the template: the value helpers throw it and the renderer turns it
 * into a {@link JinjaException} carrying the line and column of the expression or statement that failed.
 */
final class TemplateError extends RuntimeException {
    final JinjaException.Kind kind;

    TemplateError(JinjaException.Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    static TemplateError render(String message) {
        return new TemplateError(JinjaException.Kind.RENDER, message);
    }

    static TemplateError unsupported(String message) {
        return new TemplateError(JinjaException.Kind.UNSUPPORTED, message);
    }

    static TemplateError undefined(Undefined u) {
        return render(u.hint);
    }
}
