# dl4j-bridge's Java check, put by build.gradle (startScripts) in place of the start script's --add-opens probe.
# Any JVM that does not start must exit 4 ("anything else"), never java's own 1, which `score` uses for
# "flagged". The probe runs with the options the launcher will use (its defaults, JAVA_OPTS, DL4J_BRIDGE_OPTS),
# so what the JVM refuses is found here, and its -version output gives the version (11 or newer is needed).
# Nothing more than the probe runs when Java is fine; the other checks run only to explain a failure.
if [ -n "$JAVA_HOME" ] ; then
    JAVA_FROM="from JAVA_HOME=$JAVA_HOME"
else
    JAVA_FROM="the PATH's: `command -v java`"
fi
JAVA_ADVICE="set JAVA_HOME to a JDK or JRE 11 or newer (17 is tested), or unset it to use the PATH's java; or install one: apt-get install openjdk-17-jre-headless"
JAVA_TOOL_NOTE=
if [ -n "$JAVA_TOOL_OPTIONS" ] ; then
    JAVA_TOOL_NOTE=" (JAVA_TOOL_OPTIONS='$JAVA_TOOL_OPTIONS' is read by every JVM: check it too)"
fi
USER_OPTS="$JAVA_OPTS $DL4J_BRIDGE_OPTS"
if JAVA_PROBE=$(eval "\"\$JAVACMD\" --add-opens java.base/java.lang=ALL-UNNAMED $DEFAULT_JVM_OPTS $USER_OPTS -version" 2>&1) ; then
    DEFAULT_JVM_OPTS="--add-opens java.base/java.lang=ALL-UNNAMED $DEFAULT_JVM_OPTS"
elif ! JAVA_PROBE=$(eval "\"\$JAVACMD\" $DEFAULT_JVM_OPTS $USER_OPTS -version" 2>&1) ; then
    # some of the JVM's start-up errors go to stdout: both are shown
    if ! JAVA_PLAIN=$("$JAVACMD" -version 2>&1) ; then
        die "$JAVA_PLAIN
dl4j-bridge: Java does not start: '$JAVACMD -version' fails ($JAVA_FROM). To fix: $JAVA_ADVICE$JAVA_TOOL_NOTE"
    elif [ -n "$JAVA_OPTS$DL4J_BRIDGE_OPTS" ] ; then
        die "$JAVA_PROBE
dl4j-bridge: the JVM refused its options (JAVA_OPTS='$JAVA_OPTS' DL4J_BRIDGE_OPTS='$DL4J_BRIDGE_OPTS'): fix or unset them"
    else
        die "$JAVA_PROBE
dl4j-bridge: Java ($JAVACMD, $JAVA_FROM) does not start with the launcher's options $DEFAULT_JVM_OPTS. To fix: $JAVA_ADVICE$JAVA_TOOL_NOTE"
    fi
fi
# `java version "1.8.0_292"`, `openjdk version "17.0.15" 2025-04-15`, `openjdk version "21-ea"`; an output
# without a version (an unknown JVM) is let through
JAVA_VERSION=`printf '%s\n' "$JAVA_PROBE" | sed -n '/^Picked up /d; s/^.* version "\([^"]*\)".*$/\1/p' | head -n 1`
case "$JAVA_VERSION" in
    1.*) JAVA_MAJOR=`echo "$JAVA_VERSION" | cut -d. -f2` ;;
    *) JAVA_MAJOR=`echo "$JAVA_VERSION" | sed 's/[^0-9].*$//'` ;;
esac
case "$JAVA_MAJOR" in
    ''|*[!0-9]*) ;;
    *) if [ "$JAVA_MAJOR" -lt 11 ] ; then
           die "dl4j-bridge: Java $JAVA_VERSION ($JAVACMD, $JAVA_FROM) is too old: dl4j-bridge needs Java 11 or newer. To fix: $JAVA_ADVICE"
       fi ;;
esac
# a jar gone from lib/ (a partly deleted or copied install) would make java exit 1 too; not on Cygwin/MSYS, where
# CLASSPATH has been converted to Windows paths separated by ';' by now
if [ "$cygwin" != "true" ] && [ "$msys" != "true" ] ; then
JAVA_SAVED_IFS=$IFS
IFS=:
set -f
for JAVA_JAR in $CLASSPATH ; do
    if [ ! -f "$JAVA_JAR" ] ; then
        IFS=$JAVA_SAVED_IFS
        set +f
        die "dl4j-bridge: $JAVA_JAR is missing: the install in $APP_HOME is incomplete. Rebuild it (make build, or gradle installDist in the dl4j_bridge checkout) or copy the whole install again"
    fi
done
IFS=$JAVA_SAVED_IFS
set +f
fi
