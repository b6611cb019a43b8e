package dev.mm1j.model.generation.jinja;

import java.util.List;

/** The {@code loop} variable of a for loop: index, index0, revindex, revindex0, first, last, length, previtem, nextitem, cycle. */
final class LoopState {
    final int index0;
    final int length;
    private final List<Object> items;

    LoopState(int index0, List<Object> items) {
        this.index0 = index0;
        this.length = items.size();
        this.items = items;
    }

    /** {@code loop.<name>}, or null when there is no such attribute. */
    Object attribute(String name) {
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (length - index0);
            case "revindex0" -> (long) (length - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == length - 1;
            case "length" -> (long) length;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 < length - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle" -> (JinjaFunction) (args, kwargs) -> {
                if (args.isEmpty()) throw TemplateError.render("no items for cycling given");
                return args.get(index0 % args.size());
            };
            case "changed" -> throw TemplateError.unsupported("'loop.changed'");
            default -> null;
        };
    }
}
