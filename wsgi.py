from marketplace import create_app
from marketplace.jobs import huey_of

app = create_app()
huey = huey_of(app)  # the job consumer: `huey_consumer wsgi.huey`
