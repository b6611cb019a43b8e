package dev.mm1j.spark;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Test images of the demo model's world (models/mm1-demo/README.md, tools/demo/world.py): 1-4 flat shapes in the
 * cells of a 3x3 grid on white, written as PNGs, each with a question of one of the model's kinds. Seeded, so a
 * test makes the same files every time; made in Java so that tests need no Python.
 */
final class ShapesWorld {
    static final String[] SHAPES = {"circle", "square", "triangle", "star", "cross"};
    static final String[] PLURAL = {"circles", "squares", "triangles", "stars", "crosses"};
    static final String[] COLOURS = {"red", "green", "blue", "yellow", "purple"};
    private static final Color[] RGB = {new Color(220, 30, 30), new Color(20, 150, 40), new Color(30, 70, 230), new Color(235, 195, 0),
        new Color(150, 40, 190)};
    private static final String[] POSITIONS = {"top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"};
    private static final int[] SIZES = {84, 96, 112, 126, 168};

    /** One generated image and its question. */
    record Case(Path image, String question) {}

    private ShapesWorld() {}

    /** Writes {@code n} images into {@code dir} (img000.png, ...) and returns them with their questions. */
    static List<Case> write(Path dir, int n, long seed) throws IOException {
        Files.createDirectories(dir);
        Random rng = new Random(seed);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int px = SIZES[rng.nextInt(SIZES.length)];
            BufferedImage img = new BufferedImage(px, px, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, px, px);
            int count = 1 + rng.nextInt(4);
            List<Integer> cells = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8));
            java.util.Collections.shuffle(cells, rng);
            String firstShape = null, firstColour = null;
            for (int k = 0; k < count; k++) {
                int shape = rng.nextInt(SHAPES.length), colour = rng.nextInt(COLOURS.length);
                if (k == 0) {
                    firstShape = SHAPES[shape];
                    firstColour = COLOURS[colour];
                }
                draw(g, px, cells.get(k), shape, RGB[colour], rng);
            }
            g.dispose();
            Path file = dir.resolve(String.format("img%03d.png", i));
            ImageIO.write(img, "png", file.toFile());
            String q = switch (rng.nextInt(6)) {
                case 0 -> "Describe the image.";
                case 1 -> "How many shapes are there?";
                case 2 -> "How many " + PLURAL[rng.nextInt(PLURAL.length)] + " are there?";
                case 3 -> "What colour is the " + firstShape + "?";
                case 4 -> "What is at the " + POSITIONS[rng.nextInt(POSITIONS.length)] + "?";
                default -> "Is there a " + (rng.nextBoolean() ? firstColour : COLOURS[rng.nextInt(COLOURS.length)]) + " " + firstShape + "?";
            };
            cases.add(new Case(file, q));
        }
        return cases;
    }

    private static void draw(Graphics2D g, int px, int cellIndex, int shape, Color colour, Random rng) {
        double cell = px / 3.0, size = (0.62 + 0.28 * rng.nextDouble()) * cell;
        double slack = (cell - size) / 2 * 0.9;
        double cx = (cellIndex % 3 + 0.5) * cell + (rng.nextDouble() * 2 - 1) * slack;
        double cy = (cellIndex / 3 + 0.5) * cell + (rng.nextDouble() * 2 - 1) * slack;
        double r = size / 2;
        g.setColor(colour);
        switch (SHAPES[shape]) {
            case "circle" -> g.fillOval((int) (cx - r), (int) (cy - r), (int) (2 * r), (int) (2 * r));
            case "square" -> {
                double q = r * 0.88;
                g.fillRect((int) (cx - q), (int) (cy - q), (int) (2 * q), (int) (2 * q));
            }
            case "triangle" -> g.fillPolygon(new int[] {(int) cx, (int) (cx + r), (int) (cx - r)}, new int[] {(int) (cy - r), (int) (cy + r * 0.8), (int) (cy + r * 0.8)}, 3);
            case "star" -> {
                Polygon p = new Polygon();
                for (int i = 0; i < 10; i++) {
                    double a = -Math.PI / 2 + i * Math.PI / 5, rr = (i % 2 == 0 ? r : r * 0.45) * 1.05;
                    p.addPoint((int) (cx + rr * Math.cos(a)), (int) (cy + r * 0.08 + rr * Math.sin(a)));
                }
                g.fillPolygon(p);
            }
            default -> { // cross
                double t = r * 0.36;
                g.fillRect((int) (cx - r), (int) (cy - t), (int) (2 * r), (int) (2 * t));
                g.fillRect((int) (cx - t), (int) (cy - r), (int) (2 * t), (int) (2 * r));
            }
        }
    }
}
