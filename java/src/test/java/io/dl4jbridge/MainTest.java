package io.dl4jbridge;

import org.junit.Test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

public class MainTest {
    @Test
    public void infoSucceedsAndReportsTheVersion() {
        assertEquals(0, Main.run(new String[]{"info"}));
        assertEquals("1.0.0-M2.1", RuntimeInfo.dl4jVersion());
        assertTrue(RuntimeInfo.describe().get("nd4j.backend.class").contains("CpuBackend"));
    }

    @Test
    public void usageErrorsExitTwo() {
        assertEquals(2, Main.run(new String[]{}));
        assertEquals(2, Main.run(new String[]{"nope"}));
        assertEquals(2, Main.run(new String[]{"predict", "--model"}));
    }

    @Test
    public void unknownRepeatedIncompleteOrStrayArgumentsExitTwoBeforeAnythingIsRead() {
        String[][] refused = {
            {"score", "--model", "/no/such.zip", "--input", "x", "--treshold", "100"},
            {"score", "--model", "/no/such.zip", "--input", "x", "--outptu", "y"},
            {"score", "--model", "/no/such.zip", "--input", "x", "extra_positional"},
            {"score", "--model", "/no/such.zip", "--input", "x", "--threshold"},
            {"score", "--model", "/no/such.zip", "--input", "x", "--output", "--all"},
            {"score", "--model", "/no/such.zip", "--input", "x", "--all", "--all"},
            {"serve", "--model", "/no/such.zip", "--port", "0", "--all"},
            {"predict", "--model", "/no/such.zip", "--input", "x", "--output", "y", "--threshold", "1"},
            {"info", "--verbose"},
        };
        for (String[] args : refused) {   // the model does not exist: exit 3 if the arguments were accepted
            assertEquals(String.join(" ", args), 2, Main.run(args));
        }
        assertEquals(1, Main.editDistance("--treshold", "--threshold"));
        // as Python's argparse: --option=value and unique prefixes; --help anywhere prints the usage
        java.util.List<String> valued = java.util.Arrays.asList("--model", "--threshold");
        java.util.List<String> flags = java.util.Arrays.asList("--all", "--trusted");
        assertEquals(java.util.Arrays.asList("score", "--threshold", "5", "--model", "m=1.zip", "--all"),
                java.util.Arrays.asList(Main.checkArgs(new String[]{"score", "--threshold=5", "--mod", "m=1.zip", "--a"},
                        "score", valued, flags)));
        for (String[] bad : new String[][]{{"score", "--t", "5"}, {"score", "--all=yes"},
                {"score", "--thresh", "1", "--threshold", "2"}}) {
            try {
                Main.checkArgs(bad, "score", valued, flags);
                throw new AssertionError("accepted " + String.join(" ", bad));
            } catch (Main.UsageException expected) {
                assertTrue(expected.getMessage(), !expected.getMessage().isEmpty());
            }
        }
        java.io.PrintStream out = System.out;
        java.io.ByteArrayOutputStream help = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(help, true));
        try {
            assertEquals(0, Main.run(new String[]{"score", "--model", "/no/such.zip", "--help"}));
        } finally {
            System.setOut(out);
        }
        String usage = help.toString();   // on stdout, as argparse's, with every serve option
        for (String option : new String[]{"--write-timeout-seconds", "--read-timeout-seconds", "--shutdown-grace-seconds",
                "--max-body-bytes", "--session-idle-lines", "--quarantine"}) {
            assertTrue(option + " in " + usage, usage.contains(option));
        }
        assertEquals(3, Main.run(new String[]{"score", "--model", "/no/such.zip", "--input", "x", "--all",
            "--threshold", "-1.5", "--batch", "8", "--trusted"}));
    }

    @Test
    public void missingInputExitsThree() {
        assertEquals(3, Main.run(new String[]{"predict", "--model", "/no/such.zip", "--input", "x", "--output", "y"}));
    }

    private static String stderrOf(String... args) {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            assertEquals(String.join(" ", args), 2, Main.run(args));
        } finally {
            System.setErr(err);
        }
        return captured.toString();
    }

    @Test
    public void anUnknownCommandIsNamedAndACommandOfPythonsDl4jBridgeIsSaidToBeOne() {
        for (String command : new String[]{"train", "evaluate", "update", "doctor"}) {
            String err = stderrOf(command, "--config", "c.toml");
            assertTrue(err, err.startsWith("dl4j-bridge: unknown command '" + command + "'"));
            assertTrue(err, err.contains("command of the Python dl4j-bridge"));
            assertTrue(err, err.contains("the launcher's commands are info, predict, score, serve"));
        }
        String err = stderrOf("nope");
        assertTrue(err, err.startsWith("dl4j-bridge: unknown command 'nope'; the launcher's commands are"));
        assertTrue(err, !err.split("\n")[0].contains("Python"));
    }
}
