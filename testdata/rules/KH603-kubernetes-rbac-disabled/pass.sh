#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 1 \
  --enable-aad \
  --aad-admin-group-object-ids $AKS_ADMIN_GROUP_ID \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --node-count 1 \
  --generate-ssh-keys
