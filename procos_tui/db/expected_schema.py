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
 'column procos_ai_process_model_rollup.ai_provider': 'character varying(50)',
 'column procos_ai_process_model_rollup.calls': 'bigint',
 'column procos_ai_process_model_rollup.input_tokens': 'bigint',
 'column procos_ai_process_model_rollup.model_used': 'character varying(100)',
 'column procos_ai_process_model_rollup.output_tokens': 'bigint',
 'column procos_ai_process_model_rollup.process_instance_id': 'character varying(64)',
 'column procos_ai_process_model_rollup.split_rows': 'bigint',
 'column procos_ai_process_model_rollup.unsplit_calls': 'bigint',
 'column procos_ai_process_rollup.bytes': 'bigint',
 'column procos_ai_process_rollup.calls': 'bigint',
 'column procos_ai_process_rollup.cost': 'numeric',
 'column procos_ai_process_rollup.cut_outputs': 'bigint',
 'column procos_ai_process_rollup.duration_s': 'double precision',
 'column procos_ai_process_rollup.first_at': 'timestamp with time zone',
 'column procos_ai_process_rollup.input_tokens': 'bigint',
 'column procos_ai_process_rollup.last_at': 'timestamp with time zone',
 'column procos_ai_process_rollup.max_latency_s': 'double precision',
 'column procos_ai_process_rollup.output_tokens': 'bigint',
 'column procos_ai_process_rollup.process_instance_id': 'character varying(64)',
 'column procos_ai_process_rollup.row_count': 'bigint',
 'column procos_ai_process_rollup.total_tokens': 'bigint',
 'column procos_ai_process_rollup.unpriced_calls': 'bigint',
 'column procos_ai_process_rollup.unsplit_calls': 'bigint',
 'column procos_ai_rollup_state.prices_digest': 'text',
 'column procos_ai_rollup_state.read_at': 'timestamp with time zone',
 'column procos_ai_rollup_state.read_id': 'uuid',
 'column procos_ai_rollup_state.rebuilt_at': 'timestamp with time zone',
 'column procos_ai_rollup_state.refreshed_at': 'timestamp with time zone',
 'column procos_ai_rollup_state.singleton': 'boolean',
 'column procos_ai_search_words.word': 'text',
 'column procos_ai_search_words_state.covered_until': 'timestamp with time zone',
 'column procos_ai_search_words_state.read_at': 'timestamp with time zone',
 'column procos_ai_search_words_state.read_id': 'uuid',
 'column procos_ai_search_words_state.refreshed_at': 'timestamp with time zone',
 'column procos_ai_search_words_state.singleton': 'boolean',
 'column procos_ai_usage_rollup.activity_id': 'character varying(255)',
 'column procos_ai_usage_rollup.ai_provider': 'character varying(50)',
 'column procos_ai_usage_rollup.bucket_at': 'timestamp with time zone',
 'column procos_ai_usage_rollup.bytes': 'bigint',
 'column procos_ai_usage_rollup.calls': 'bigint',
 'column procos_ai_usage_rollup.cut_outputs': 'bigint',
 'column procos_ai_usage_rollup.input_tokens': 'bigint',
 'column procos_ai_usage_rollup.last_at': 'timestamp with time zone',
 'column procos_ai_usage_rollup.latency_hist': 'ARRAY',
 'column procos_ai_usage_rollup.max_latency_s': 'double precision',
 'column procos_ai_usage_rollup.model_used': 'character varying(100)',
 'column procos_ai_usage_rollup.output_tokens': 'bigint',
 'column procos_ai_usage_rollup.process_definition_key': 'character varying(255)',
 'column procos_ai_usage_rollup.row_count': 'bigint',
 'column procos_ai_usage_rollup.split_rows': 'bigint',
 'column procos_ai_usage_rollup.total_tokens': 'bigint',
 'column procos_ai_usage_rollup.unsplit_calls': 'bigint',
 'extension pg_trgm': '',
 'function optimize_camunda_for_ai()': '',
 'function procos_ai_hist_add(integer[],integer[])': '',
 'function procos_ai_hist_merge(integer[],integer[])': '',
 'function procos_ai_hist_pack(integer[])': '',
 'function procos_ai_hist_step(integer[],integer)': '',
 'function procos_ai_hist_sum(integer[])': '',
 'function procos_ai_latency_bucket(double precision)': '',
 'function procos_ai_latency_hist(integer)': '',
 'function procos_ai_model_prices()': '',
 'function procos_ai_price_value(jsonb)': '',
 'function procos_ai_prices_digest()': '',
 'function procos_ai_rebuild_rollups()': '',
 'function procos_ai_refresh()': '',
 'function procos_ai_refresh_rollups(bigint,integer,interval)': '',
 'function procos_ai_refresh_search_words(bigint,boolean,integer)': '',
 'function procos_ai_reprice_rollups()': '',
 'function procos_ai_search_word(text)': '',
 'function procos_ai_search_words_edge()': '',
 'function procos_ai_token_count(jsonb)': '',
 'function procos_ai_token_input(jsonb)': '',
 'function procos_ai_token_output(jsonb)': '',
 'function procos_ai_token_split(jsonb)': '',
 'function procos_ai_token_total(jsonb)': '',
 'function procos_ai_word_pieces(text)': '',
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
 'index idx_procos_ai_process_rollup_bytes': 'CREATE INDEX idx_procos_ai_process_rollup_bytes '
                                             'ON public.procos_ai_process_rollup USING btree '
                                             '(bytes, process_instance_id)',
 'index idx_procos_ai_process_rollup_calls': 'CREATE INDEX idx_procos_ai_process_rollup_calls '
                                             'ON public.procos_ai_process_rollup USING btree '
                                             '(calls, process_instance_id)',
 'index idx_procos_ai_process_rollup_cost': 'CREATE INDEX idx_procos_ai_process_rollup_cost ON '
                                            'public.procos_ai_process_rollup USING btree '
                                            '(cost, process_instance_id)',
 'index idx_procos_ai_process_rollup_cut': 'CREATE INDEX idx_procos_ai_process_rollup_cut ON '
                                           'public.procos_ai_process_rollup USING btree '
                                           '(cut_outputs, process_instance_id)',
 'index idx_procos_ai_process_rollup_duration': 'CREATE INDEX '
                                                'idx_procos_ai_process_rollup_duration ON '
                                                'public.procos_ai_process_rollup USING btree '
                                                '(duration_s, process_instance_id)',
 'index idx_procos_ai_process_rollup_input_tokens': 'CREATE INDEX '
                                                    'idx_procos_ai_process_rollup_input_tokens '
                                                    'ON public.procos_ai_process_rollup USING '
                                                    'btree (input_tokens, process_instance_id)',
 'index idx_procos_ai_process_rollup_latency': 'CREATE INDEX '
                                               'idx_procos_ai_process_rollup_latency ON '
                                               'public.procos_ai_process_rollup USING btree '
                                               '(max_latency_s, process_instance_id)',
 'index idx_procos_ai_process_rollup_output_tokens': 'CREATE INDEX '
                                                     'idx_procos_ai_process_rollup_output_tokens '
                                                     'ON public.procos_ai_process_rollup USING '
                                                     'btree (output_tokens, '
                                                     'process_instance_id)',
 'index idx_procos_ai_process_rollup_total_tokens': 'CREATE INDEX '
                                                    'idx_procos_ai_process_rollup_total_tokens '
                                                    'ON public.procos_ai_process_rollup USING '
                                                    'btree (total_tokens, process_instance_id)',
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
 'index procos_ai_process_model_rollup_key': 'CREATE UNIQUE INDEX '
                                             'procos_ai_process_model_rollup_key ON '
                                             'public.procos_ai_process_model_rollup USING '
                                             'btree (process_instance_id, ai_provider, '
                                             'model_used) NULLS NOT DISTINCT',
 'index procos_ai_process_rollup_pkey': 'CREATE UNIQUE INDEX procos_ai_process_rollup_pkey ON '
                                        'public.procos_ai_process_rollup USING btree '
                                        '(process_instance_id)',
 'index procos_ai_rollup_state_pkey': 'CREATE UNIQUE INDEX procos_ai_rollup_state_pkey ON '
                                      'public.procos_ai_rollup_state USING btree (singleton)',
 'index procos_ai_search_words_pkey': 'CREATE UNIQUE INDEX procos_ai_search_words_pkey ON '
                                      'public.procos_ai_search_words USING btree (word)',
 'index procos_ai_search_words_state_pkey': 'CREATE UNIQUE INDEX '
                                            'procos_ai_search_words_state_pkey ON '
                                            'public.procos_ai_search_words_state USING btree '
                                            '(singleton)',
 'index procos_ai_usage_rollup_key': 'CREATE UNIQUE INDEX procos_ai_usage_rollup_key ON '
                                     'public.procos_ai_usage_rollup USING btree (bucket_at, '
                                     'ai_provider, model_used, activity_id, '
                                     'process_definition_key) NULLS NOT DISTINCT',
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
