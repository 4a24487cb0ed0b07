/** Where the job stands: running an attempt, between a failure and its restore, or ended. */
export type JobState = 'running' | 'restarting' | 'finished' | 'failed';
