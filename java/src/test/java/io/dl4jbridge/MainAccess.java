package io.dl4jbridge;

/** Lets tests outside this package run the launcher in-process. */
public final class MainAccess {
    private MainAccess() {}

    public static int run(String... args) {
        return Main.run(args);
    }
}
