/** Exit code of a worker whose port is taken: the supervisor reports it rather than restarting blindly. */
export const EXIT_PORT_IN_USE = 3;
/** Exit code of a worker that lost its supervisor. */
export const EXIT_SUPERVISOR_LOST = 4;
/** Exit code of a worker that could not start (bad package, load error). */
export const EXIT_START_FAILED = 2;
