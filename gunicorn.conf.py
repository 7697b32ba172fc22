# Read by gunicorn from the working directory (./dev run and the Docker image).
logger_class = "factcheck.gunicorn_logging.RedactingLogger"
accesslog = "-"
