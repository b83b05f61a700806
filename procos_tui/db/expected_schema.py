"""The objects scripts/init-db.sql creates, as PostgreSQL's catalog describes them.

Kept next to the script and checked against it: tests apply init-db.sql to an empty database
and require the live catalog to equal this, on PostgreSQL 15 and 18. Change the script first,
then this (print it with `python -m procos_tui.db.health --print-expected DSN`).
"""

from __future__ import annotations

EXPECTED: dict[str, str] = {'column procos_ai_context.activity_id': 'character varying(255)',
 'column procos_ai_context.ai_provider': 'character varying(50)',
 'column procos_ai_context.content_data': 'jsonb',
 'column procos_ai_context.content_text': 'text',
 'column procos_ai_context.context_type': 'character varying(50)',
 'column procos_ai_context.created_at': 'timestamp with time zone',
 'column procos_ai_context.id': 'uuid',
 'column procos_ai_context.model_used': 'character varying(100)',
 'column procos_ai_context.process_instance_id': 'character varying(64)',
 'column procos_ai_context.task_id': 'character varying(64)',
 'column procos_ai_context.token_usage': 'jsonb',
 'column procos_ai_context.updated_at': 'timestamp with time zone',
 'column procos_ai_models.config_data': 'jsonb',
 'column procos_ai_models.created_at': 'timestamp with time zone',
 'column procos_ai_models.id': 'uuid',
 'column procos_ai_models.is_active': 'boolean',
 'column procos_ai_models.model_name': 'character varying(255)',
 'column procos_ai_models.performance_stats': 'jsonb',
 'column procos_ai_models.provider': 'character varying(100)',
 'column procos_ai_models.updated_at': 'timestamp with time zone',
 'column procos_ai_models.version': 'character varying(100)',
 'column procos_ai_search_words.word': 'text',
 'column procos_ai_search_words_state.covered_until': 'timestamp with time zone',
 'column procos_ai_search_words_state.read_at': 'timestamp with time zone',
 'column procos_ai_search_words_state.read_id': 'uuid',
 'column procos_ai_search_words_state.refreshed_at': 'timestamp with time zone',
 'column procos_ai_search_words_state.singleton': 'boolean',
 'extension pg_trgm': '',
 'function optimize_camunda_for_ai()': '',
 'function procos_ai_refresh_search_words(bigint,boolean,integer)': '',
 'function procos_ai_search_words_edge()': '',
 'function procos_ai_token_total(jsonb)': '',
 'function procos_ai_words(text)': '',
 'function update_updated_at_column()': '',
 'index idx_procos_ai_context_activity': 'CREATE INDEX idx_procos_ai_context_activity ON '
                                         'public.procos_ai_context USING btree '
                                         "(COALESCE(created_at, '-infinity'::timestamp with "
                                         'time zone), id)',
 'index idx_procos_ai_context_content_jsonb': 'CREATE INDEX '
                                              'idx_procos_ai_context_content_jsonb ON '
                                              'public.procos_ai_context USING gin '
                                              '(content_data)',
 'index idx_procos_ai_context_content_search': 'CREATE INDEX '
                                               'idx_procos_ai_context_content_search ON '
                                               'public.procos_ai_context USING gin '
                                               '(content_text gin_trgm_ops)',
 'index idx_procos_ai_context_proc_inst': 'CREATE INDEX idx_procos_ai_context_proc_inst ON '
                                          'public.procos_ai_context USING btree '
                                          '(process_instance_id)',
 'index idx_procos_ai_context_proc_inst_activity': 'CREATE INDEX '
                                                   'idx_procos_ai_context_proc_inst_activity '
                                                   'ON public.procos_ai_context USING btree '
                                                   '(process_instance_id COLLATE "C", '
                                                   'COALESCE(created_at, '
                                                   "'-infinity'::timestamp with time zone), "
                                                   'id)',
 'index idx_procos_ai_context_usage_jsonb': 'CREATE INDEX idx_procos_ai_context_usage_jsonb ON '
                                            'public.procos_ai_context USING gin (token_usage)',
 'index idx_procos_ai_search_words_trgm': 'CREATE INDEX idx_procos_ai_search_words_trgm ON '
                                          'public.procos_ai_search_words USING gin (word '
                                          'gin_trgm_ops)',
 'index procos_ai_context_pkey': 'CREATE UNIQUE INDEX procos_ai_context_pkey ON '
                                 'public.procos_ai_context USING btree (id)',
 'index procos_ai_models_model_name_provider_version_key':
     'CREATE UNIQUE INDEX procos_ai_models_model_name_provider_version_key '
     'ON public.procos_ai_models USING btree (model_name, provider, version)',
 'index procos_ai_models_pkey': 'CREATE UNIQUE INDEX procos_ai_models_pkey ON '
                                'public.procos_ai_models USING btree (id)',
 'index procos_ai_search_words_pkey': 'CREATE UNIQUE INDEX procos_ai_search_words_pkey ON '
                                      'public.procos_ai_search_words USING btree (word)',
 'index procos_ai_search_words_state_pkey': 'CREATE UNIQUE INDEX '
                                            'procos_ai_search_words_state_pkey ON '
                                            'public.procos_ai_search_words_state USING btree '
                                            '(singleton)',
 'trigger trigger_procos_ai_context_updated_at': 'CREATE TRIGGER '
                                                 'trigger_procos_ai_context_updated_at BEFORE '
                                                 'UPDATE ON public.procos_ai_context FOR EACH '
                                                 'ROW EXECUTE FUNCTION '
                                                 'update_updated_at_column()',
 'trigger trigger_procos_ai_models_updated_at': 'CREATE TRIGGER '
                                                'trigger_procos_ai_models_updated_at BEFORE '
                                                'UPDATE ON public.procos_ai_models FOR EACH '
                                                'ROW EXECUTE FUNCTION '
                                                'update_updated_at_column()',
 'view procos_ai_conversations': ''}
