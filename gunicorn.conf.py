# Read by gunicorn from the working directory (./dev run and the Docker image).
logger_class = "factcheck.gunicorn_logging.RedactingLogger"
accesslog = "-"
# A whole post as claims:search's `query` makes a long URL: gunicorn's largest request line
# (the default is 4094 bytes) takes about 2,700 characters of encoded text.
limit_request_line = 8190
