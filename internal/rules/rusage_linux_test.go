package rules

// rusageThread is Linux's RUSAGE_THREAD: the calling thread's usage.
const rusageThread = 1
