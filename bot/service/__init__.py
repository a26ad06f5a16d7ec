"""What happens, whatever the door: one update's step (step.py), delivering replies (delivery.py),
and the jobs that run beside the doors (reminders, waiting list, agenda, retention).

These modules know neither Telegram nor SQL: they run the pure flows against storage's
repositories inside one transaction, and hand replies to the door that asked.
"""
