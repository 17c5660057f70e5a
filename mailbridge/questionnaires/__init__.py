"""A session's questionnaire by mail: sent ahead, reminded, answered by replying,
confirmed (docs/architecture.md, "The session method: questionnaire")."""
