"""What the crawler, the dashboard and the workers share: configuration and database access."""
