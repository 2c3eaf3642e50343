"""Sound in and out: audio clips, sources, sinks and resampling."""
