package dev.mm1j.model.generation.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code namespace(...)}: the one mutable object of a template ({@code {% set ns.x = ... %}} works across scopes). */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
}
